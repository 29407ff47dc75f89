import type { TicketEvent } from "./events";
import type { MessageData } from "./model";

/** A byte count as technicians read it, the same in either language ("840 B", "245 KB", "3 MB"). */
export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/**
 * The attachments of a mail's event: a client's for the technicians' notice (linked at send time), a
 * technician's reply's for the client's mail (attached at send time).
 */
export function attachmentData(event: TicketEvent): Pick<MessageData, "attachments"> {
  const withFiles = event.type === "client-new" || event.type === "client-reply" || event.type === "reply";
  if (!withFiles || !event.attachments?.length) return {};
  return {
    attachments: event.attachments.map((a) => ({
      name: a.name,
      contentType: a.contentType,
      size: a.size,
      sizeLabel: sizeLabel(a.size),
      sha256: a.sha256,
      ...(a.ref ? { ref: a.ref } : {}),
      ...(a.notKept ? { notKept: a.notKept } : {}),
    })),
  };
}

/** The technicians' notice of a new request: what the client wrote, who they are, what they attached. */
export function newTicketNotice(event: Extract<TicketEvent, { type: "client-new" }>): Partial<MessageData> {
  return { request: event.text, clientAddress: event.from.address, ...attachmentData(event) };
}

/** The technicians' notice of a client's later mail (staff-client-replied), its attachments included. */
export function clientWroteNotice(event: TicketEvent, text: string, address: string): Partial<MessageData> {
  return { text, clientAddress: address, ...attachmentData(event) };
}
