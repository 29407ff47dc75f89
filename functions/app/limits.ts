/** Automatic mails to one address in ten minutes beyond which aviso stops (the loop cap). */
export const OUTBOUND_PER_ADDRESS_PER_10_MIN = 10;
/** The window of the outbound mail counters, seconds. */
export const OUTBOUND_WINDOW_SECONDS = 600;
