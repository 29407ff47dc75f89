import type { ClientTemplate, Locale, StaffTemplate, TicketEvent, TimerName } from "../../core";

/**
 * Every string of the lead's page, in each language. The page picks one by the browser's languages
 * (navigator.languages); labels of event types and templates keep the page in one language, where
 * the stored timeline summaries are the technicians' English.
 */
export interface LeadWords {
  pageTitle: string;
  title: string;
  now: string;
  signOut: string;
  signInAgain: string;
  signedInAs: string;
  signInFailed: string;
  signInMismatch: string;
  signInRefused: string;
  openTickets: string;
  columns: { ticket: string; client: string; subject: string; silence: string; timeline: string };
  legend: string;
  notSent: string;
  messagesIn: string;
  held: string;
  flags: string;
  ratings: string;
  ideas: string;
  empty: { held: string; flags: string; ratings: string; ideas: string };
  release: string;
  discard: string;
  clear: string;
  until: string;
  noSender: string;
  details: string;
  detail: {
    title: string;
    close: string;
    status: string;
    opened: string;
    when: string;
    what: string;
    delivery: string;
    to: string;
    technicians: string;
    outcomes: { duplicate: string; stale: string; rejected: string };
  };
  statuses: { open: string; resolved: string; closed: string };
  deliveries: { sent: string; suppressed: string; failed: string; pending: string; bounced: string };
  kinds: { "mail-in": string; quarantine: string; mail: string };
  timers: Record<TimerName, string>;
  events: Record<TicketEvent["type"] | "unflag", string>;
  templates: Record<ClientTemplate | StaffTemplate, string>;
}

export const LEAD_WORDS: Record<Locale, LeadWords> = {
  en: {
    pageTitle: "aviso · who is waiting",
    title: "aviso · who is waiting for news",
    now: "now",
    signOut: "Sign out",
    signInAgain: "Sign in again",
    signedInAs: "signed in as",
    signInFailed: "sign-in failed",
    signInMismatch: "the sign-in answer does not match this tab's request",
    signInRefused: "the user pool refused the sign-in",
    openTickets: "Open tickets, longest silence first",
    columns: {
      ticket: "Ticket",
      client: "Client",
      subject: "Subject",
      silence: "Silence (business h)",
      timeline: "Messages over business time",
    },
    legend:
      "A dot is a message to the client, placed by business hours since the ticket opened; ticks mark business days; red is the silence past one business day. Choose a ticket to see its timeline.",
    notSent: "not sent",
    messagesIn: "messages in {n} business hours",
    held: "Held mail",
    flags: "Flagged addresses",
    ratings: "Ratings",
    ideas: "Ideas from clients",
    empty: {
      held: "Nothing held.",
      flags: "No address is flagged.",
      ratings: "No ratings yet.",
      ideas: "No ideas yet.",
    },
    release: "Release",
    discard: "Discard",
    clear: "Clear",
    until: "until",
    noSender: "(no sender)",
    details: "Details",
    detail: {
      title: "Ticket",
      close: "Close",
      status: "Status",
      opened: "Opened",
      when: "When",
      what: "What",
      delivery: "Delivery",
      to: "to",
      technicians: "technicians",
      outcomes: { duplicate: "duplicate", stale: "stale", rejected: "refused" },
    },
    statuses: { open: "open", resolved: "resolved", closed: "closed" },
    deliveries: {
      sent: "sent",
      suppressed: "suppressed",
      failed: "failed",
      pending: "pending",
      bounced: "bounced",
    },
    kinds: { "mail-in": "Mail in", quarantine: "Held", mail: "Mail" },
    timers: {
      eod: "end of the business day",
      update: "daily update",
      reminder: "technicians' reminder",
      "confirm-timeout": "no answer to the resolution",
    },
    events: {
      "client-new": "New request",
      "client-reply": "Client's reply",
      confirm: "Client confirmed",
      reopen: "Reopened",
      feedback: "Rating",
      summary: "Summary",
      diagnosis: "Diagnosis",
      plan: "Plan",
      change: "Plan change",
      update: "Progress",
      escalate: "Escalation",
      resolve: "Resolution",
      note: "Internal note",
      cc: "Copy changed",
      "third-party": "Third party wrote",
      reply: "Technician's reply",
      "send-held": "Held text sent",
      "command-error": "Command error",
      "delivery-failed": "Delivery failed",
      timer: "Timer",
      unflag: "Flag lifted",
    },
    templates: {
      acknowledgement: "acknowledgement",
      understanding: "restated need",
      diagnosis: "diagnosis",
      "end-of-day": "end-of-day note",
      plan: "plan",
      "plan-change": "plan change",
      "daily-update": "daily update",
      "still-on-it": "still on it",
      escalation: "escalation",
      resolution: "resolution",
      closure: "closure",
      reopened: "reopened",
      "feedback-thanks": "thanks for the rating",
      "personal-reply": "personal reply",
      "new-ticket": "new-ticket notice",
      reminder: "reminder",
      "call-task": "call task",
      "command-error": "command error",
      "client-replied": "client replied",
      "ticket-reopened": "ticket reopened",
      "escalation-copy": "escalation copy",
      "low-rating": "low rating",
      "delivery-failed": "delivery failed",
      "weekly-report": "weekly report",
      "third-party": "third party",
      coach: "tone coach",
    },
  },
  es: {
    pageTitle: "aviso · quién espera noticias",
    title: "aviso · quién espera noticias",
    now: "ahora",
    signOut: "Cerrar sesión",
    signInAgain: "Volver a entrar",
    signedInAs: "sesión de",
    signInFailed: "no se pudo entrar",
    signInMismatch: "la respuesta del inicio de sesión no corresponde a esta pestaña",
    signInRefused: "el grupo de usuarios rechazó el inicio de sesión",
    openTickets: "Peticiones abiertas, la de más silencio primero",
    columns: {
      ticket: "Petición",
      client: "Cliente",
      subject: "Asunto",
      silence: "Silencio (h laborables)",
      timeline: "Mensajes en tiempo laborable",
    },
    legend:
      "Cada punto es un mensaje al cliente, situado por horas laborables desde la apertura; las marcas son días laborables; en rojo, el silencio que pasa de un día laborable. Elige una petición para ver su historia.",
    notSent: "no enviado",
    messagesIn: "mensajes en {n} horas laborables",
    held: "Correo retenido",
    flags: "Direcciones marcadas",
    ratings: "Valoraciones",
    ideas: "Ideas de los clientes",
    empty: {
      held: "No hay nada retenido.",
      flags: "No hay direcciones marcadas.",
      ratings: "Aún no hay valoraciones.",
      ideas: "Aún no hay ideas.",
    },
    release: "Liberar",
    discard: "Descartar",
    clear: "Quitar",
    until: "hasta",
    noSender: "(sin remitente)",
    details: "Detalle",
    detail: {
      title: "Petición",
      close: "Cerrar",
      status: "Estado",
      opened: "Abierta",
      when: "Cuándo",
      what: "Qué",
      delivery: "Entrega",
      to: "a",
      technicians: "técnicos",
      outcomes: { duplicate: "repetido", stale: "caducado", rejected: "rechazado" },
    },
    statuses: { open: "abierta", resolved: "resuelta", closed: "cerrada" },
    deliveries: {
      sent: "enviado",
      suppressed: "suprimido",
      failed: "fallido",
      pending: "pendiente",
      bounced: "rebotado",
    },
    kinds: { "mail-in": "Correo recibido", quarantine: "Retenido", mail: "Correo" },
    timers: {
      eod: "fin de la jornada",
      update: "avance diario",
      reminder: "recordatorio a técnicos",
      "confirm-timeout": "sin respuesta a la resolución",
    },
    events: {
      "client-new": "Petición nueva",
      "client-reply": "Respuesta del cliente",
      confirm: "El cliente confirma",
      reopen: "Reabierta",
      feedback: "Valoración",
      summary: "Resumen",
      diagnosis: "Diagnóstico",
      plan: "Plan",
      change: "Cambio de plan",
      update: "Avance",
      escalate: "Escalado",
      resolve: "Resolución",
      note: "Nota interna",
      cc: "Cambio de copia",
      "third-party": "Escribió un tercero",
      reply: "Respuesta del técnico",
      "send-held": "Texto retenido enviado",
      "command-error": "Error de comando",
      "delivery-failed": "Entrega fallida",
      timer: "Temporizador",
      unflag: "Marca retirada",
    },
    templates: {
      acknowledgement: "acuse de recibo",
      understanding: "necesidad reformulada",
      diagnosis: "diagnóstico",
      "end-of-day": "aviso de fin de jornada",
      plan: "plan",
      "plan-change": "cambio de plan",
      "daily-update": "avance diario",
      "still-on-it": "seguimos en ello",
      escalation: "escalado",
      resolution: "resolución",
      closure: "cierre",
      reopened: "reapertura",
      "feedback-thanks": "gracias por valorar",
      "personal-reply": "respuesta personal",
      "new-ticket": "aviso de petición nueva",
      reminder: "recordatorio",
      "call-task": "tarea de llamada",
      "command-error": "error de comando",
      "client-replied": "el cliente respondió",
      "ticket-reopened": "petición reabierta",
      "escalation-copy": "copia del escalado",
      "low-rating": "valoración baja",
      "delivery-failed": "entrega fallida",
      "weekly-report": "informe semanal",
      "third-party": "tercero",
      coach: "asesor de tono",
    },
  },
};
