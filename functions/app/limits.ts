/** Automatic mails to one address in ten minutes beyond which aviso stops (the loop cap). */
export const OUTBOUND_PER_ADDRESS_PER_10_MIN = 10;
/** The window of the outbound mail counters, seconds. */
export const OUTBOUND_WINDOW_SECONDS = 600;
/**
 * Days a feedback link works, counted from the mail that carries it (the resolution mail; the closure
 * mail, three business days later by default, carries a fresh one). Sixty days outlast a client's
 * long holiday and the monthly look back at open matters in which people rate late, and still bound
 * how long a forwarded or leaked link can be used: within two months it is refused (403).
 */
export const FEEDBACK_LINK_LIFETIME_DAYS = 60;
