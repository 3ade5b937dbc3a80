// Request validation lives in the route declarations (@slipway/contract schemas, validated by
// @hono/zod-openapi; see openapi.ts for how failures become the contract's errors). The UUID check
// is shared with the middleware that reads a token's subject.
export { isUuid } from '@slipway/contract';
