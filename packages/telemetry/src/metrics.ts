// In-process HTTP metrics for the contract's Monitoring section: request count, average response
// time, error rate and success rate, overall and per route; also as Prometheus text.
type Bucket = { count: number; errors: number; totalMs: number };

export type MetricsSnapshot = {
  request_count: number;
  average_response_time_ms: number;
  error_rate: number;
  success_rate: number;
  by_route: {
    method: string;
    route: string;
    request_count: number;
    average_response_time_ms: number;
    error_rate: number;
  }[];
};

export class HttpMetrics {
  private readonly total: Bucket = { count: 0, errors: 0, totalMs: 0 };
  private readonly routes = new Map<string, Bucket>();

  /** `status` >= 500 counts as an error (the server failed); 4xx are the client's and count as handled. */
  record(method: string, route: string, status: number, ms: number): void {
    const key = `${method} ${route}`;
    let b = this.routes.get(key);
    if (!b) {
      b = { count: 0, errors: 0, totalMs: 0 };
      this.routes.set(key, b);
    }
    for (const x of [b, this.total]) {
      x.count++;
      x.totalMs += ms;
      if (status >= 500) x.errors++;
    }
  }

  snapshot(): MetricsSnapshot {
    const avg = (b: Bucket) => (b.count ? Math.round((b.totalMs / b.count) * 100) / 100 : 0);
    const rate = (n: number, d: number) => (d ? Math.round((n / d) * 10_000) / 100 : 0);
    return {
      request_count: this.total.count,
      average_response_time_ms: avg(this.total),
      error_rate: rate(this.total.errors, this.total.count),
      success_rate: this.total.count ? rate(this.total.count - this.total.errors, this.total.count) : 100,
      by_route: [...this.routes].map(([k, b]) => {
        const [method = '', route = ''] = k.split(' ');
        return {
          method,
          route,
          request_count: b.count,
          average_response_time_ms: avg(b),
          error_rate: rate(b.errors, b.count),
        };
      }),
    };
  }

  prometheus(): string {
    const lines = [
      '# HELP slipway_http_requests_total HTTP requests handled.',
      '# TYPE slipway_http_requests_total counter',
    ];
    for (const [k, b] of this.routes) {
      const [method, route] = k.split(' ');
      lines.push(`slipway_http_requests_total{method="${method}",route="${route}"} ${b.count}`);
    }
    lines.push(
      '# HELP slipway_http_errors_total HTTP requests answered with a 5xx.',
      '# TYPE slipway_http_errors_total counter',
    );
    for (const [k, b] of this.routes) {
      const [method, route] = k.split(' ');
      lines.push(`slipway_http_errors_total{method="${method}",route="${route}"} ${b.errors}`);
    }
    lines.push(
      '# HELP slipway_http_response_time_ms_sum Sum of response times.',
      '# TYPE slipway_http_response_time_ms_sum counter',
    );
    for (const [k, b] of this.routes) {
      const [method, route] = k.split(' ');
      lines.push(
        `slipway_http_response_time_ms_sum{method="${method}",route="${route}"} ${b.totalMs.toFixed(1)}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
