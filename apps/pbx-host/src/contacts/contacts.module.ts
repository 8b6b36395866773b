import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { SessionsModule } from '@pbx/host/auth/sessions.module';
import { CompanyContactsController } from '@pbx/host/contacts/company-contacts.controller';
import { ContactEntity } from '@pbx/host/contacts/contact.entity';
import { ContactsService } from '@pbx/host/contacts/contacts.service';
import { PersonalContactsController } from '@pbx/host/contacts/personal-contacts.controller';
import { TenantsModule } from '@pbx/host/tenants/tenants.module';
import { UsersModule } from '@pbx/host/users/users.module';

@Module({
  imports: [MikroOrmModule.forFeature([ContactEntity]), SessionsModule, TenantsModule, UsersModule],
  controllers: [PersonalContactsController, CompanyContactsController],
  providers: [ContactsService],
  exports: [ContactsService],
})
export class ContactsModule {}
