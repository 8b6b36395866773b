import { ApiProperty } from '@nestjs/swagger';
import { UserResponse } from '../../users/dto/user.response';
import { UserRole } from '../../users/user-role';

export class LoginResponse {
  @ApiProperty({ description: 'Send as `Authorization: Bearer <token>`' })
  token!: string;

  @ApiProperty()
  expiresAt!: Date;

  @ApiProperty({ type: UserResponse })
  user!: UserResponse;
}

export class CurrentSessionResponse {
  @ApiProperty({ enum: UserRole, description: 'The role granted to this session' })
  role!: UserRole;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  tenantId!: string | null;
}

export class MeResponse {
  @ApiProperty({ type: UserResponse })
  user!: UserResponse;

  @ApiProperty({ type: CurrentSessionResponse })
  session!: CurrentSessionResponse;
}
