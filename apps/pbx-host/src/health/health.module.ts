import { Module } from '@nestjs/common';
import { HealthController } from '@pbx/host/health/health.controller';

@Module({ controllers: [HealthController] })
export class HealthModule {}
