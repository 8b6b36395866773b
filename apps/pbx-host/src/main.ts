import 'reflect-metadata';
import { HostConfigError } from './config/host-config';
import { startHost } from './start-host';
import { join } from 'node:path';

startHost().then(
  ({ config, newAdminPassword }) => {
    if (newAdminPassword) {
      // Shown once, on the start that created the admin; it stays in the data folder for later reference.
      console.log(
        [
          '',
          '  A system administrator was created for this development PBX:',
          `    username: admin    password: ${newAdminPassword}`,
          `  (also kept in ${join(config.dataDir, 'admin-password')})`,
          '',
        ].join('\n'),
      );
    }
  },
  (error: unknown) => {
    console.error(error instanceof HostConfigError ? error.message : error);
    process.exit(1);
  },
);
