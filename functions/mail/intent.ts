/** What a client says about a resolution: confirmed, still broken, or something else. */
export function replyIntent(visible: string): "confirm" | "still-broken" | "other" {
  const text = visible.toLowerCase().normalize("NFC");
  const stillBroken =
    /(sigue|contin[uú]a|todav[ií]a|a[uú]n)\s+(sin\s+funcionar|fallando|igual|roto|mal|con el (mismo )?(problema|error))|(sigue|todav[ií]a|a[uú]n)\s+no\s+(funciona|va|imprime|puedo)|no\s+(funciona|se ha (solucionado|arreglado|resuelto)|est[aá] (solucionado|arreglado|resuelto))|(vuelve|ha vuelto) a fallar|still\s+(broken|not working|failing|doesn'?t work|does not work|the same|having)|(doesn'?t|does not|isn'?t|is not|didn'?t|did not)\s+(work|fixed|resolved|help)|not\s+(fixed|resolved|working)|(broke|broken|failing) again|same (problem|issue|error)/;
  if (stillBroken.test(text)) return "still-broken";
  const confirm =
    /(ya )?funciona|ya va|todo (bien|correcto|ok)|resuelto|solucionado|arreglado|perfecto|muchas gracias|works|working (now|again|fine)|it'?s fixed|fixed|resolved|solved|all good|confirm(ed)?|thank(s| you)/;
  return confirm.test(text) ? "confirm" : "other";
}
