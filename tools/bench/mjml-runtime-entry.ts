// What aviso avoids: a mail function that compiles MJML on every message (bench comparison only).
import Handlebars from "handlebars";
import mjml2html from "mjml";

export const handler = async (event: { mjml: string; data: object }) => {
  const { html } = await mjml2html(event.mjml);
  return Handlebars.compile(html)(event.data);
};
