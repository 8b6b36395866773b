import { SetMetadata } from '@nestjs/common';

/** The module's rate limits; each route counts against at most one (see `Microsoft365RateLimitOptions`). */
export type RateLimitBucket = 'signIn' | 'signInFailures' | 'codeExchange' | 'notifications';

export const RATE_LIMIT_BUCKET = 'microsoft365:rate-limit-bucket';

/** Counts the route's requests per client address against `bucket`; needs `RateLimitGuard` on the controller. */
export const RateLimit = (bucket: RateLimitBucket) => SetMetadata(RATE_LIMIT_BUCKET, bucket);
