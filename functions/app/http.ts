/** Requests and responses of the HTTP API, the same behind API Gateway and in the local runtime. */
export interface ApiRequest {
  method: string;
  path: string;
  query?: Record<string, string | undefined>;
  body?: string;
  contentType?: string;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export const json = (status: number, value: unknown): ApiResponse => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8" },
  body: JSON.stringify(value),
});

export const html = (status: number, body: string): ApiResponse => ({
  status,
  headers: { "content-type": "text/html; charset=utf-8" },
  body,
});

export const text = (status: number, body: string): ApiResponse => ({
  status,
  headers: { "content-type": "text/plain; charset=utf-8" },
  body,
});
