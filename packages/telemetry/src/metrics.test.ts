import { describe, expect, it } from 'vitest';
import { HttpMetrics } from './metrics.ts';

describe('HttpMetrics', () => {
  it('computes count, average time, error and success rates', () => {
    const m = new HttpMetrics();
    m.record('GET', '/api/x', 200, 10);
    m.record('GET', '/api/x', 404, 20);
    m.record('POST', '/api/x', 500, 30);
    m.record('POST', '/api/x', 201, 40);
    const s = m.snapshot();
    expect(s.request_count).toBe(4);
    expect(s.average_response_time_ms).toBe(25);
    expect(s.error_rate).toBe(25);
    expect(s.success_rate).toBe(75);
    expect(s.by_route).toHaveLength(2);
    expect(m.prometheus()).toContain('slipway_http_requests_total{method="POST",route="/api/x"} 2');
  });
});
