/** One measured figure of the bench: what, how much, in what unit, and under which conditions. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}
