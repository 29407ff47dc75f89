import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Handlebars from "handlebars";
import { convert as htmlToText } from "html-to-text";
import mjml2html from "mjml";
import { CLIENT_TEMPLATES } from "../functions/core";
import { inspectMail } from "../functions/mail/inspect";
import { CORPUS, corpusContext, corpusRows } from "../test/support/corpus";
import { bundleFigures } from "./bench/bundles";
import { coachFigures } from "./bench/coach";
import type { Figure } from "./bench/figure";
import {
  adversarialFigures,
  costFigures,
  faultFigures,
  fuzzFigures,
  loadFigures,
  loopFigures,
} from "./bench/prove";
import { similarFigures } from "./bench/similar";
import { buildTemplates, TEXT_OPTIONS } from "./build-templates";
import { SAMPLE } from "./preview-templates";

/** Runs synchronous `work` in batches for about `ms` milliseconds: operations per second. */
function rateSync(work: (i: number) => unknown, ms: number, batch = 200): number {
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < ms) {
    for (let i = 0; i < batch; i++) work(count + i);
    count += batch;
  }
  return count / ((performance.now() - started) / 1000);
}

/** Runs `work` repeatedly for about `ms` milliseconds (at least `minimum` times): operations per second. */
async function rate(work: (i: number) => unknown, ms: number, minimum = 3): Promise<number> {
  const started = performance.now();
  let count = 0;
  while (count < minimum || performance.now() - started < ms) {
    await work(count);
    count += 1;
  }
  return count / ((performance.now() - started) / 1000);
}

async function renderFigures(): Promise<Figure[]> {
  await buildTemplates();
  const { renderMessage } = await import("../functions/mail/render");
  const options = { timeZone: "Europe/Madrid", feedbackUrl: "https://support.example/f" };
  const names = CLIENT_TEMPLATES;
  const sources = await Promise.all(
    names.map(async (name) => {
      const filePath = join(import.meta.dirname, "../templates/es", `${name}.mjml`);
      return { filePath, source: await readFile(filePath, "utf8") };
    }),
  );
  // Warm both paths once, then measure them back to back in this process.
  for (let i = 0; i < 2000; i++) renderMessage("es", names[i % names.length] ?? "plan", SAMPLE, options);
  const precompiled = rateSync(
    (i) => renderMessage("es", names[i % names.length] ?? "plan", SAMPLE, options),
    3000,
  );
  const runtime = await rate(
    async (i) => {
      const { filePath, source } =
        sources[i % sources.length] ?? (sources[0] as { filePath: string; source: string });
      // Everything the precompiled path returns, made the way the build makes it, but per mail.
      const { html } = await mjml2html(source, { filePath });
      const text = htmlToText(html, TEXT_OPTIONS);
      const subject = /^<!--\s*subject:\s*(.+?)\s*-->/.exec(source)?.[1] ?? "";
      return [html, text, subject].map((part) => Handlebars.compile(part)(SAMPLE));
    },
    3000,
    20,
  );
  return [
    {
      name: "render, precompiled templates",
      value: Math.round(precompiled),
      unit: "mails/s",
      note: "HTML + text + subject, es",
    },
    {
      name: "render, MJML compiled per mail",
      value: Math.round(runtime * 10) / 10,
      unit: "mails/s",
      note: "MJML → HTML, HTML → text, Handlebars compile + render of all three: what aviso avoids at run time",
    },
    {
      name: "render speed-up (precompiled ÷ MJML at run time)",
      value: Math.round(precompiled / runtime),
      unit: "×",
      note: "same run",
    },
  ];
}

async function corpusFigures(): Promise<Figure[]> {
  const mails = await Promise.all(corpusRows().map((row) => readFile(join(CORPUS, row.file))));
  const bytes = mails.reduce((sum, m) => sum + m.length, 0);
  for (const mail of mails) await inspectMail(mail, corpusContext);
  let index = 0;
  const perSecond = await rate(
    async () => inspectMail(mails[index++ % mails.length] as Buffer, corpusContext),
    3000,
    mails.length,
  );
  return [
    {
      name: "parse + classify + strip, corpus mails",
      value: Math.round(perSecond),
      unit: "mails/s",
      note: `${mails.length} mails, ${(bytes / 1024 / 1024).toFixed(1)} MiB, round robin`,
    },
  ];
}

export function machine() {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    model: cpu[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
  };
}

async function sectionInChild(name: string, sizing: string[]): Promise<Figure[]> {
  const tsx = join(import.meta.dirname, "../node_modules/.bin/tsx");
  const child = spawn(tsx, [import.meta.filename, "--only", name, "--json", ...sizing], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  const line = out.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !line.startsWith("{")) throw new Error(`bench section ${name} failed (exit ${code})`);
  return (JSON.parse(line) as { figures: Figure[] }).figures;
}

async function main() {
  const { values } = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      only: { type: "string" },
      "fault-tickets": { type: "string", default: "1000" },
      "fuzz-mails": { type: "string", default: "10000" },
      "adversarial-mails": { type: "string", default: "10000" },
      "load-rate": { type: "string", default: "20" },
      "load-seconds": { type: "string", default: "60" },
      "load-warmup": { type: "string", default: "30" },
      "cost-tickets": { type: "string", default: "200" },
    },
  });
  const sections: Record<string, () => Promise<Figure[]>> = {
    render: renderFigures,
    corpus: corpusFigures,
    bundles: bundleFigures,
    faults: () => faultFigures(Number(values["fault-tickets"])),
    fuzz: () => fuzzFigures(Number(values["fuzz-mails"])),
    adversarial: () => adversarialFigures(Number(values["adversarial-mails"])),
    loop: loopFigures,
    load: () =>
      loadFigures(Number(values["load-rate"]), Number(values["load-seconds"]), Number(values["load-warmup"])),
    cost: () => costFigures(Number(values["cost-tickets"])),
    coach: coachFigures,
    similar: similarFigures,
  };
  const chosen = values.only ? values.only.split(",").map((s) => s.trim()) : Object.keys(sections);
  for (const name of chosen)
    if (!sections[name])
      throw new Error(`unknown section ${name}; choose from ${Object.keys(sections).join(", ")}`);
  const figures: Figure[] = [];
  if (chosen.length === 1)
    figures.push(...(await (sections[chosen[0] as string] as () => Promise<Figure[]>)()));
  else {
    // Each section in a fresh process: the heap, JIT and event loop one section leaves behind (10,000
    // fuzzed mails, 1,000 fault-injected tickets) must not colour the next one's timings.
    const sizing = Object.entries(values).flatMap(([key, value]) =>
      typeof value === "string" && key !== "only" ? [`--${key}`, value] : [],
    );
    for (const name of chosen) figures.push(...(await sectionInChild(name, sizing)));
  }
  const host = machine();
  if (values.json) {
    console.log(
      JSON.stringify({
        machine: host,
        figures,
        byName: Object.fromEntries(figures.map((f) => [f.name, f.value])),
      }),
    );
    return;
  }
  console.log(`aviso bench · ${host.cpus} × ${host.model} · ${host.memoryGiB} GiB · node ${host.node}\n`);
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures)
    console.log(
      `${f.name.padEnd(width)}  ${String(f.value).padStart(10)} ${f.unit.padEnd(8)} ${f.note ?? ""}`,
    );
}

await main();
