import { Module } from '@nestjs/common';
import { WriteParticipantsModule } from '../write-participants/write-participants.module';
import { UserFieldsParticipant } from './user-fields.participant';

/**
 * Fields that relate items to people (created_by, updated_by, and the `app_user` and `member` field
 * types; see schema/users.collection.ts): the write path's check that a value names a person of the
 * workspace. Reads need nothing here: the registry relates those fields to `cairn_users`.
 */
@Module({
  imports: [WriteParticipantsModule],
  providers: [UserFieldsParticipant],
})
export class UserFieldsModule {}
