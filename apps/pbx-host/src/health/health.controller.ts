import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  type HealthCheckResult,
  HealthCheckService,
  MikroOrmHealthIndicator,
} from '@nestjs/terminus';

/** A database that has not answered within this long counts as down: the container health check waits 3 s. */
const DATABASE_TIMEOUT_MS = 1_500;

/**
 * For load balancers and container health checks (the Dockerfile's HEALTHCHECK): no session needed, nothing
 * revealed. 200 with Terminus's `{ status: 'ok', info, error, details }`, 503 with `status: 'error'` when the
 * database does not answer.
 */
@ApiTags('health')
@Controller('api/health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: MikroOrmHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Whether the PBX and its database answer' })
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.database.pingCheck('database', { timeout: DATABASE_TIMEOUT_MS })]);
  }
}
