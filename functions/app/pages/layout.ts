/** The shell every public page shares: one small inline style, no assets to serve. */
export function page(title: string, body: string, lang?: string): string {
  return `<!doctype html><html${lang ? ` lang="${escapeHtml(lang)}"` : ""}><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:560px;margin:40px auto;padding:0 16px;color:#1f2933}textarea{width:100%}button{background:#1d6f5f;color:#fff;border:0;border-radius:6px;padding:10px 18px;font-size:16px}label{line-height:2}</style>
</head><body>${body}</body></html>`;
}

/** Text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}
