import { IsOmittable } from '../common/is-omittable.decorator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsString, MaxLength, ValidateIf } from 'class-validator';

/** A partial update: absent fields keep their value; `senderAddress: null` clears it. */
export class UpdateMailSettingsDto {
  @ApiPropertyOptional({ description: 'Send PBX mail through Microsoft Graph (the `mail` feature switch)' })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    description: 'Address or UPN of the user or shared mailbox that sends, e.g. pbx@contoso.com',
    nullable: true,
    type: String,
    example: 'pbx@contoso.com',
  })
  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @IsEmail({}, { message: 'senderAddress must be the e-mail address (or UPN) of a user or shared mailbox' })
  @MaxLength(320)
  senderAddress?: string | null;

  @ApiPropertyOptional({ description: 'Keep a copy of every notification in the Sent Items of the mailbox' })
  @IsOmittable()
  @IsBoolean()
  saveToSentItems?: boolean;
}

export class MailSettingsView {
  @ApiProperty() pbxTenantId!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: String }) senderAddress!: string | null;
  @ApiProperty() saveToSentItems!: boolean;
  @ApiProperty({
    description:
      'Application permissions to grant in Entra: Mail.Send, and Mail.ReadWrite for attachments of 3 MB and more',
  })
  requiredPermissions!: string[];
  @ApiProperty({ nullable: true, type: String }) updatedAt!: string | null;
}

export class SendTestMailDto {
  @ApiProperty({ description: 'Where to send the test message', example: 'adele@contoso.com' })
  @IsEmail({}, { message: 'to must be an e-mail address' })
  @MaxLength(320)
  to!: string;

  @ApiPropertyOptional({
    enum: ['small', 'large'],
    example: 'small',
    description: 'large: sent the way a large voicemail goes (draft and upload session)',
  })
  @IsOmittable()
  @IsIn(['small', 'large'], { message: 'attachment must be "small" or "large"' })
  attachment?: 'small' | 'large';

  @ApiPropertyOptional({ maxLength: 200, example: 'PBX test message' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  subject?: string;
}

export class TestMailReceiptView {
  @ApiProperty() sender!: string;
  @ApiProperty({ enum: ['sendMail', 'draft'] }) method!: string;
  @ApiProperty() recipients!: number;
  @ApiProperty() attachments!: number;
  @ApiProperty() attachmentBytes!: number;
  @ApiProperty() uploadSessions!: number;
  @ApiProperty() savedToSentItems!: boolean;
  @ApiProperty() acceptedAt!: string;
}
