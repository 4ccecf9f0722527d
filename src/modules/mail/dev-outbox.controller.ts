import { Controller, Get, Inject } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiData, ApiErrors } from '../../common/http/api-docs.decorators';
import { CurrentWorkspace, RequireWorkspaceRole } from '../workspaces/workspace-access.guard';
import type { WorkspaceAccess } from '../workspaces/workspaces.service';
import { DevOutbox } from './dev-outbox';
import { MAIL_TRANSPORT } from './mail-transport';

export class OutboxMessageDto {
  @ApiProperty({ format: 'email' }) to!: string;
  @ApiProperty() subject!: string;
  @ApiProperty() text!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

/** The dev transport's outbox of a workspace; registered only when MAIL_TRANSPORT=dev. */
@ApiTags('mail')
@Controller('w/:ws/dev/outbox')
export class DevOutboxController {
  constructor(@Inject(MAIL_TRANSPORT) private readonly outbox: DevOutbox) {}

  @Get()
  @RequireWorkspaceRole('admin')
  @ApiData(OutboxMessageDto, { isArray: true, description: 'The messages of the workspace, newest first.' })
  @ApiErrors(401, 403, 404)
  list(@CurrentWorkspace() access: WorkspaceAccess) {
    return {
      data: this.outbox.list(access.workspace.id).map((message): OutboxMessageDto => ({
        to: message.to,
        subject: message.subject,
        text: message.text,
        created_at: message.createdAt.toISOString(),
      })),
    };
  }
}
