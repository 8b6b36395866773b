import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ProblemView {
  @ApiProperty() code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional() action?: string;
  @ApiPropertyOptional({
    description: 'What Microsoft answered: status, error code, AADSTS number, request id',
  })
  microsoft?: Record<string, unknown>;
}

export class FeatureCheckView {
  @ApiProperty() feature!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({
    description: 'All groups are required; any permission of a group satisfies it',
    type: 'array',
    items: { type: 'array', items: { type: 'string' } },
  })
  requiredPermissions!: string[][];
  @ApiProperty({ type: [String] }) missingPermissions!: string[];
  @ApiProperty({ type: [String], description: 'What does not work without a missing optional permission' })
  warnings!: string[];
  @ApiProperty() ok!: boolean;
}

export class ConnectionTestReport {
  @ApiProperty({
    description: 'Token obtained, Graph answered, and every enabled feature has its permissions',
  })
  ok!: boolean;
  @ApiProperty() checkedAt!: string;
  @ApiProperty() tokenAcquired!: boolean;
  @ApiPropertyOptional({ description: 'Set when a pending key pair was proven and made active by this test' })
  rotatedToKeyPairId?: string;
  @ApiProperty({ type: [String] }) grantedPermissions!: string[];
  @ApiProperty() graphReachable!: boolean;
  @ApiProperty({ type: [FeatureCheckView] }) features!: FeatureCheckView[];
  @ApiProperty({ type: [ProblemView] }) problems!: ProblemView[];
  @ApiProperty({
    type: [ProblemView],
    description:
      'Works, but needs attention: a new certificate Microsoft has not accepted yet, an optional permission',
  })
  warnings!: ProblemView[];
  @ApiProperty({ type: [String], description: 'What to do in the Entra admin center, in order' })
  actions!: string[];
}
