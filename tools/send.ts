import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import nodemailer from "nodemailer";

const { values } = parseArgs({
  options: {
    from: { type: "string", default: "ana@cliente.example" },
    to: { type: "string", default: process.env.AVISO_SUPPORT_ADDRESS ?? "support@aviso.localhost" },
    subject: { type: "string", default: "La impresora de etiquetas no imprime" },
    text: {
      type: "string",
      default:
        "Hola, desde la actualización de ayer la impresora de etiquetas no imprime. ¿Podéis ayudarnos?",
    },
    "in-reply-to": { type: "string" },
    eml: { type: "string" },
    port: { type: "string", default: process.env.AVISO_SMTP_PORT ?? "2525" },
  },
});
const transport = nodemailer.createTransport({
  host: "127.0.0.1",
  port: Number(values.port),
  secure: false,
  ignoreTLS: true,
});
const info = values.eml
  ? await transport.sendMail({
      envelope: { from: values.from, to: values.to },
      raw: await readFile(values.eml),
    })
  : await transport.sendMail({
      from: values.from,
      to: values.to,
      subject: values.subject,
      text: values.text,
      ...(values["in-reply-to"]
        ? { inReplyTo: values["in-reply-to"], references: values["in-reply-to"] }
        : {}),
    });
console.log(`sent: ${info.response}`);
