import { precompiled } from "../../templates/generated/templates";
import { makeRenderer } from "./renderer";

export type { RenderedMail, RenderOptions } from "./renderer";

/** Renders any client or staff message (the weekly report has its own module: see app/report.ts). */
export const renderMessage = makeRenderer(precompiled);
