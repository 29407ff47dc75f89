/** Client mail with attachments, written as a mail client writes it (issue 16 tests). */
// A real 1x1 PNG.
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

export interface AttachedPart {
  name?: string;
  type: string;
  content: Buffer;
  disposition?: "attachment" | "inline";
}

/** A multipart/mixed mail as a mail client writes it: a text and HTML alternative, then the parts. */
export function mailWith(
  parts: AttachedPart[],
  headers: Record<string, string> = {},
  text = "Adjunto la captura del error de la cola de impresión.",
): Buffer {
  const head = {
    From: "Ana <ana@cliente.es>",
    To: "soporte@aviso.test",
    Subject: "La impresora no imprime",
    "Message-ID": `<${Math.random().toString(36).slice(2)}@cliente.es>`,
    "MIME-Version": "1.0",
    "Content-Type": 'multipart/mixed; boundary="mixed"',
    ...headers,
  };
  const lines = [
    ...Object.entries(head).map(([k, v]) => `${k}: ${v}`),
    "",
    "--mixed",
    'Content-Type: multipart/alternative; boundary="alt"',
    "",
    "--alt",
    "Content-Type: text/plain; charset=utf-8",
    "",
    text,
    "--alt",
    "Content-Type: text/html; charset=utf-8",
    "",
    `<p>${text}</p>`,
    "--alt--",
  ];
  for (const part of parts) {
    const disposition = part.disposition ?? "attachment";
    lines.push(
      "--mixed",
      `Content-Type: ${part.type}${part.name ? `; name="${part.name}"` : ""}`,
      "Content-Transfer-Encoding: base64",
      `Content-Disposition: ${disposition}${part.name ? `; filename="${part.name}"` : ""}`,
      "",
    );
    const base64 = part.content.toString("base64");
    for (let i = 0; i < base64.length; i += 76) lines.push(base64.slice(i, i + 76));
  }
  lines.push("--mixed--", "");
  return Buffer.from(lines.join("\r\n"));
}
