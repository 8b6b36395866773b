import { ConfigurableModuleBuilder } from '@nestjs/common';
import { type Microsoft365ModuleExtras, type Microsoft365ModuleOptions } from './microsoft365-module-options';

export const {
  ConfigurableModuleClass: Microsoft365ConfigurableModule,
  MODULE_OPTIONS_TOKEN: MICROSOFT365_OPTIONS,
  OPTIONS_TYPE: MICROSOFT365_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MICROSOFT365_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<Microsoft365ModuleOptions>({ moduleName: 'Microsoft365' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createMicrosoft365Options')
  .setExtras<Microsoft365ModuleExtras>({}, (definition, extras) => ({
    ...definition,
    imports: [...(definition.imports ?? []), ...(extras.portsModule ? [extras.portsModule] : [])],
  }))
  .build();
