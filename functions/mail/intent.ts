/**
 * What a client says about a resolution: confirmed, still broken, or something else.
 *
 * A small rule set over words, not one pattern: the reply is cut into sentences and clauses,
 * every word is looked up in the lexicon below (accents folded, whole words, inflections listed
 * or matched by stem), and each clause is judged from the cues it holds. A complaint anywhere wins
 * over any thanks. The labelled replies in test/data/reply-intents.json are its specification.
 * Linear in the input: one tokenizing pass, then a bounded look-ahead per word.
 */
export type ReplyIntent = "confirm" | "still-broken" | "other";

type Cue =
  | "thanks" // gracias, thanks
  | "works" // a capability that can be negated: funciona, imprime, works, connects, can
  | "fixed" // a resolution: solucionado, fixed, sorted
  | "good" // perfecto, great, todo bien, you can close it
  | "fail" // a failure: falla, error, se cuelga, crashes, slow
  | "same" // igual, same: a complaint next to a persistence cue
  | "same-as-before" // "igual que antes", "same as before": a complaint on its own
  | "negation" // no, not, sin, nunca, doesn't
  | "cannot" // can't, unable, imposible: a negated capability on its own
  | "persist" // todavía, aún, sigue, still, again, keeps
  | "contrast" // pero, sin embargo, but, however, unfortunately
  | "later" // a deferral: lo pruebo, I'll test, let you know
  | "gone" // the error has gone, ha desaparecido
  | "past" // antes, before, was: a failure told as history
  | "condition" // si, if, unless: nothing in the clause is a statement
  | "new-topic" // por cierto, by the way
  | "none"; // a phrase that only hides its words (por error, good morning)

/** Whole words (accents folded, lower case). */
// biome-ignore format: word lists read better packed
const WORDS: Record<Cue, string[]> = {
  thanks: [
    "gracias", "thanks", "thank", "thx", "ty", "cheers", "agradezco", "agradecido", "agradecida",
    "agradecidos", "agradecemos", "appreciate", "appreciated", "grazie", "merci",
  ],
  works: [
    "abre", "abren", "abrir", "abro", "anda", "andan", "carga", "cargan", "cargar", "deja", "dejan", "dejaba",
    "entra", "entrar", "entro", "entramos", "envia", "enviar", "envio", "llega", "llegan", "llegar", "recibo",
    "recibe", "recibir", "recibimos", "sirve", "sirvio", "servido", "va", "van", "puedo", "pude", "podemos",
    "puede", "pueden", "responde", "sincroniza", "print", "prints", "printed", "printing", "connect",
    "connects", "connected", "connecting", "boot", "boots", "booted", "start", "starts", "started", "load",
    "loads", "loaded", "loading", "open", "opens", "opened", "sync", "syncs", "syncing", "send", "sends",
    "help", "helped", "helps", "can", "could", "run", "runs", "running", "respond", "responds", "responding",
    "change", "changed", "changes",
  ],
  fixed: [
    "fixed", "fix", "fixes", "fixing", "solved", "solve", "solves", "resolved", "resolve", "resolves",
    "sorted", "repaired", "resuelto", "resuelta", "resueltos", "resolvio", "resolver",
  ],
  good: [
    "perfect", "perfectly", "great", "fine", "good", "ok", "okay", "excellent", "brilliant", "awesome",
    "genial", "excelente", "bien", "estupendo", "estupendamente", "listo", "close", "cerrar", "cerrarlo",
    "cerrarla", "cerradlo", "cerradla", "confirmed", "confirmado", "confirmada",
  ],
  fail: [
    "mal", "roto", "rota", "rotos", "broke", "broken", "wrong", "stuck", "frozen", "hang", "hangs", "hung",
    "jam", "jams", "jammed", "jamming", "drops", "dropping", "dropped", "cae", "caen", "caido", "caida",
    "cayendo", "cayo", "noise", "ruido", "blank", "partially", "parcialmente", "offline", "black", "negra",
    "negro", "denied", "denegado", "denegada", "rechazado", "rechazada",
  ],
  same: [
    "igual", "same", "mismo", "misma",
  ],
  "same-as-before": [],
  negation: [
    "no", "not", "never", "nunca", "nada", "nothing", "none", "ni", "tampoco", "sin", "without", "nope",
    "ningun", "ninguna", "ninguno", "nadie", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent",
    "havent", "hasnt", "wouldnt", "shouldnt", "wont", "aint", "won't",
  ],
  cannot: [
    "cant", "cannot", "couldnt", "unable", "imposible", "impossible",
  ],
  persist: [
    "still", "again", "keeps", "keep", "kept", "continues", "continue", "continua", "continuan", "sigue",
    "siguen", "sigo", "seguimos", "todavia", "aun", "vuelve", "vuelven", "volvio", "back",
  ],
  contrast: [
    "pero", "but", "however", "aunque", "although", "though", "unfortunately", "sadly", "desgraciadamente",
    "lamentablemente", "afraid",
  ],
  later: [
    "test", "tested", "testing", "try", "tried", "trying", "check", "checked", "checking", "confirmo",
    "confirmare", "confirmaremos", "confirm", "miro", "mirare", "mirarlo",
  ],
  gone: [
    "gone", "disappeared", "vanished",
  ],
  past: [
    "before", "antes", "earlier", "yesterday", "previously", "anteriormente", "was", "were", "had", "fallaba",
    "used",
  ],
  condition: [
    "if", "unless", "whether",
  ],
  "new-topic": [
    "btw",
  ],
  none: [
    "probablemente", "probably",
  ],
};

/** Stems: a word starting with one of these (the longest wins) has its cue. */
// biome-ignore format: word lists read better packed
const STEMS: Record<string, Cue> = {
  funcion: "works", imprim: "works", arranc: "works", conect: "works", encend: "works", enciend: "works",
  cambi: "works", work: "works", solucion: "fixed", arregl: "fixed", repar: "fixed", perfect: "good",
  correct: "good", fail: "fail", fall: "fail", error: "fail", crash: "fail", colg: "fail", cuelg: "fail",
  bloque: "fail", congel: "fail", freez: "fail", stuck: "fail", atasc: "fail", lent: "fail", slow: "fail",
  problem: "fail", issue: "fail", averi: "fail", flicker: "fail", parpade: "fail", desconect: "fail",
  disconnect: "fail", intermit: "fail", caduc: "fail", expir: "fail", persist: "persist", desaparec: "gone",
  prob: "later", prueb: "later", comprob: "later", comprueb: "later", revis: "later",
};

/** Phrases, matched before words; each gives the cues of its words in order. */
const PHRASES: [string, Cue[]][] = [
  ["sin embargo", ["contrast"]],
  ["no obstante", ["contrast"]],
  ["even though", ["contrast"]],
  ["por desgracia", ["contrast"]],
  ["thank you", ["thanks"]],
  ["mil gracias", ["thanks"]],
  ["otra vez", ["persist"]],
  ["de nuevo", ["persist"]],
  ["not yet", ["negation", "persist"]],
  ["ya no", ["negation"]],
  ["no longer", ["negation"]],
  ["no more", ["negation"]],
  ["a medias", ["fail"]],
  ["a ratos", ["fail"]],
  ["en blanco y negro", ["none"]],
  ["black and white", ["none"]],
  ["no luck", ["fail"]],
  ["no joy", ["fail"]],
  ["sin suerte", ["fail"]],
  ["y nada mas", ["none"]],
  ["y nada", ["fail"]],
  ["en blanco", ["fail"]],
  ["igual que antes", ["same-as-before"]],
  ["same as before", ["same-as-before"]],
  ["pasa lo mismo", ["same-as-before"]],
  ["pasando lo mismo", ["same-as-before"]],
  ["same thing", ["same-as-before"]],
  ["all the same", ["none"]],
  ["lo mismo digo", ["none"]],
  ["al mismo tiempo", ["none"]],
  ["todo bien", ["good"]],
  ["all good", ["good"]],
  ["como la seda", ["good"]],
  ["went away", ["gone"]],
  ["se fue", ["gone"]],
  ["por error", ["none"]],
  ["in error", ["none"]],
  ["by mistake", ["none"]],
  ["good morning", ["none"]],
  ["good afternoon", ["none"]],
  ["good evening", ["none"]],
  ["good luck", ["none"]],
  ["let you know", ["later"]],
  ["get back", ["later"]],
  ["os digo", ["later"]],
  ["te digo", ["later"]],
  ["les digo", ["later"]],
  ["os aviso", ["later"]],
  ["te aviso", ["later"]],
  ["le aviso", ["later"]],
  ["les aviso", ["later"]],
  ["en caso", ["condition"]],
  ["por si", ["condition"]],
  ["in case", ["condition"]],
  ["a no ser", ["condition"]],
  ["by the way", ["new-topic"]],
  ["por cierto", ["new-topic"]],
  ["otra cosa", ["new-topic"]],
  ["another thing", ["new-topic"]],
  ["on another note", ["new-topic"]],
  ["una cosa mas", ["new-topic"]],
  ["used to", ["past"]],
];

/** How many words after a negation it may reach ("no se ha solucionado", "doesn't seem to work"). */
const NEGATION_REACH = 4;
/** Longest phrase, in words. */
const PHRASE_WORDS = Math.max(...PHRASES.map(([p]) => p.split(" ").length));

const wordCue = new Map<string, Cue>();
for (const [cue, words] of Object.entries(WORDS) as [Cue, string[]][])
  for (const word of words) wordCue.set(word, cue);
const stems = Object.entries(STEMS).sort(([a], [b]) => b.length - a.length);
const phrases = new Map<string, Cue[]>(PHRASES);
const phraseStarts = new Set(PHRASES.map(([p]) => p.split(" ")[0]));

interface Token {
  word: string;
  /** The word as written, lower case, accents kept ("sí" is yes, "si" is if). */
  raw: string;
}

/** Sentences of clauses of words. A sentence is a question when it ends in "?" or holds "¿". */
interface Sentence {
  question: boolean;
  clauses: Token[][];
}

// One token at a time: a run of letters, digits and apostrophes, or one punctuation mark.
const TOKEN = /[\p{L}\p{N}'’]+|\n[ \t]*\n|[?¿.!;,:()]/gu;

function sentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  let clauses: Token[][] = [[]];
  let question = false;
  const endSentence = () => {
    const kept = clauses.filter((c) => c.length > 0);
    if (kept.length > 0) out.push({ question, clauses: kept });
    clauses = [[]];
    question = false;
  };
  for (const match of text.matchAll(TOKEN)) {
    const piece = match[0];
    if (piece === "¿") {
      endSentence();
      question = true;
    } else if (piece === "?") {
      question = true;
      endSentence();
    } else if (piece === "." || piece === "!" || piece === ";" || piece.startsWith("\n")) {
      endSentence();
    } else if (piece === "," || piece === ":" || piece === "(" || piece === ")") {
      clauses.push([]);
    } else {
      const raw = /['’]/.test(piece) ? piece.replace(/’/g, "'").replace(/^'+|'+$/g, "") : piece;
      if (raw) clauses[clauses.length - 1]?.push({ raw, word: fold(raw) });
    }
  }
  endSentence();
  return out;
}

function fold(word: string) {
  if (/^[a-z0-9']*$/.test(word)) return word;
  return word.normalize("NFD").replace(/\p{M}/gu, "");
}

function cueOf(token: Token): Cue | undefined {
  if (token.word === "si" && token.raw === "si") return "condition";
  const known = wordCue.get(token.word);
  if (known) return known;
  if (token.word.endsWith("n't"))
    return token.word === "can't" || token.word === "couldn't" ? "cannot" : "negation";
  for (const [stem, cue] of stems) if (token.word.startsWith(stem)) return cue;
  return undefined;
}

/** The clause's words as cues (undefined for words that carry none), phrases first. */
function cues(clause: Token[]): (Cue | undefined)[] {
  const out: (Cue | undefined)[] = [];
  let i = 0;
  while (i < clause.length) {
    // The longest phrase starting here, its key grown one word at a time.
    let phrase: Cue[] | undefined;
    let length = 0;
    if (phraseStarts.has((clause[i] as Token).word)) {
      let key = (clause[i] as Token).word;
      for (let n = 2; n <= PHRASE_WORDS && i + n <= clause.length; n++) {
        key += ` ${(clause[i + n - 1] as Token).word}`;
        const found = phrases.get(key);
        if (found) {
          phrase = found;
          length = n;
        }
      }
    }
    if (phrase) {
      out.push(...phrase);
      i += length;
      continue;
    }
    const token = clause[i] as Token;
    // "va a llamar": going to, not "it works".
    const cue = cueOf(token);
    out.push(cue === "works" && token.word === "va" && clause[i + 1]?.word === "a" ? undefined : cue);
    i += 1;
  }
  return out;
}

interface ClauseReading {
  complaint: boolean;
  positive: boolean;
  thanks: boolean;
  later: boolean;
  contrast: boolean;
  newTopic: boolean;
}

function readClause(clause: Token[], question: boolean): ClauseReading {
  const list = cues(clause);
  // Every cue the clause holds, in one pass.
  const held = new Set<Cue | undefined>(list);
  const has = (cue: Cue) => held.has(cue);
  const used = new Set<number>();
  let negatedWorks = false; // "no funciona", "sigue sin imprimir", "not fixed"
  let negatedFail = false; // "sin problemas", "ya no da error"
  let bareNegation = false; // "todavía no", "not yet"
  let later = has("later");
  let lastNegation = -1;
  for (const [i, cue] of list.entries()) if (cue === "negation" || cue === "cannot") lastNegation = i;
  for (let i = 0; i < list.length; i++) {
    const cue = list[i];
    if (cue !== "negation" && cue !== "cannot") continue;
    let target: number | undefined;
    for (let j = i + 1; j < list.length && j <= i + NEGATION_REACH; j++) {
      const next = list[j];
      if (next === "negation" || next === "cannot") break; // the next negation speaks for both
      if (next === "persist" || next === undefined || next === "none") continue;
      target = j;
      break;
    }
    const aimed = target === undefined ? undefined : list[target];
    if (target !== undefined) used.add(target);
    if (aimed === "works" || aimed === "fixed" || aimed === "good" || aimed === "same") negatedWorks = true;
    else if (aimed === "fail") negatedFail = true;
    else if (aimed === "later") later = true;
    else if (aimed === "thanks") {
      // "can't thank you enough"
    } else if (cue === "cannot") negatedWorks = true;
    else if (aimed === undefined && i === lastNegation) bareNegation = true;
  }
  // Cues no negation took ("funciona" in "no funciona" is not a good sign).
  const free = new Set<Cue | undefined>();
  for (const [i, cue] of list.entries()) if (!used.has(i)) free.add(cue);
  const persist = has("persist");
  const same = free.has("same");
  const fail = free.has("fail");
  const fixedNow = free.has("fixed") || has("gone");
  const condition = has("condition");
  const complaint =
    !condition &&
    (negatedWorks ||
      has("same-as-before") ||
      (persist && (bareNegation || same || fail)) ||
      (list[0] === "contrast" && bareNegation && list.length <= 3) ||
      (fail && !question && (same || !(fixedNow || has("past")))));
  const positive =
    !condition &&
    !question &&
    !complaint &&
    (free.has("works") || free.has("fixed") || free.has("good") || negatedFail || has("gone"));
  return {
    complaint,
    positive,
    thanks: has("thanks"),
    later,
    contrast: list[0] === "contrast" || (list.includes("contrast") && !positive),
    newTopic: has("new-topic"),
  };
}

/** Splits a clause at contrast words, so "gracias pero sigue sin imprimir" reads as two clauses. */
function atContrasts(clause: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  for (const [i, token] of clause.entries()) {
    const starts =
      wordCue.get(token.word) === "contrast" ||
      (token.word === "sin" && clause[i + 1]?.word === "embargo") ||
      (token.word === "no" && clause[i + 1]?.word === "obstante") ||
      (token.word === "even" && clause[i + 1]?.word === "though");
    if (starts && (parts[parts.length - 1]?.length ?? 0) > 0) parts.push([]);
    parts[parts.length - 1]?.push(token);
  }
  return parts;
}

/**
 * How much of a reply is read. A client's own words after a resolution are a few lines; past this
 * a reply is no bare confirmation: it is "other" (the technicians read it, the ticket stays as it
 * is) unless what was read already complains.
 */
export const INTENT_READ_CHARS = 20_000;

export function replyIntent(visible: string): ReplyIntent {
  const long = visible.length > INTENT_READ_CHARS;
  const read = readReply(long ? visible.slice(0, INTENT_READ_CHARS) : visible);
  return long && read !== "still-broken" ? "other" : read;
}

function readReply(visible: string): ReplyIntent {
  let positive = false;
  let thanks = false;
  let later = false;
  let question = false;
  let newTopic = false;
  let unanswered = false; // a "but" with nothing good after it
  for (const sentence of sentences(visible.toLowerCase())) {
    for (const clause of sentence.clauses.flatMap(atContrasts)) {
      const reading = readClause(clause, sentence.question);
      if (reading.complaint) return "still-broken";
      positive ||= reading.positive;
      thanks ||= reading.thanks;
      later ||= reading.later;
      newTopic ||= reading.newTopic;
      if (reading.contrast) unanswered = !reading.positive;
    }
    // A question is a complaint only when it says so ("¿por qué sigue sin imprimir?").
    question ||= sentence.question;
  }
  if (question || newTopic || unanswered) return "other";
  if (positive) return "confirm";
  return thanks && !later ? "confirm" : "other";
}
