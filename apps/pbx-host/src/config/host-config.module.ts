import { type DynamicModule, Module } from '@nestjs/common';
import { HOST_CONFIG, type HostConfig } from './host-config';

/** Makes the validated host configuration injectable everywhere as HOST_CONFIG. */
@Module({})
export class HostConfigModule {
  static forRoot(config: HostConfig): DynamicModule {
    return {
      module: HostConfigModule,
      global: true,
      providers: [{ provide: HOST_CONFIG, useValue: Object.freeze({ ...config }) }],
      exports: [HOST_CONFIG],
    };
  }
}
