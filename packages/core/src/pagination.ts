export type PageQuery = {
  page: number;
  perPage: number;
  status?: string | undefined;
  name?: string | undefined;
};
export type Page<T> = { items: T[]; total: number; page: number; perPage: number };

export function offsetOf(q: PageQuery): number {
  return (q.page - 1) * q.perPage;
}
