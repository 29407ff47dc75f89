/**
 * Separates the HTML, the subject and the text of a message rendered in one Handlebars call:
 * written between them by tools/build-templates.ts, split on by render.ts.
 */
export const PART_SEPARATOR = "\u2063\u2063aviso-subject-end\u2063\u2063";
