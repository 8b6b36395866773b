import { ApiProperty } from '@nestjs/swagger';

export class RingGroupResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Disabled groups do not ring' }) enabled!: boolean;
  @ApiProperty({ type: [String], description: 'Member user ids (existing users of the tenant only), sorted' })
  memberUserIds!: string[];
  @ApiProperty({ type: [String], description: "The members' extensions, sorted" })
  memberExtensions!: string[];
  @ApiProperty({ nullable: true, type: String, description: 'The integration that maintains it, if any' })
  externalSource!: string | null;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
}
