import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { SessionsModule } from '../auth/sessions.module';
import { CompanyContactsController } from './company-contacts.controller';
import { ContactEntity } from './contact.entity';
import { ContactsService } from './contacts.service';
import { PersonalContactsController } from './personal-contacts.controller';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';

@Module({
  imports: [MikroOrmModule.forFeature([ContactEntity]), SessionsModule, TenantsModule, UsersModule],
  controllers: [PersonalContactsController, CompanyContactsController],
  providers: [ContactsService],
  exports: [ContactsService],
})
export class ContactsModule {}
