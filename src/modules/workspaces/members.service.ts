import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Database } from '../../common/database/database.service';
import { conflict, forbidden, notFound } from '../../common/errors/app-error';
import { UserEntity } from '../users/user.entity';
import { normalizeEmail } from '../users/users.service';
import { MemberDto } from './workspace.dto';
import { MemberEntity } from './workspace.entity';
import { hasRole, WorkspaceRole } from './workspace-roles';
import { WorkspaceAccess, WorkspacesService } from './workspaces.service';

const LAST_OWNER = 'A workspace must keep at least one owner.';

/**
 * Membership of workspaces. Admins manage members but not owners; only owners make owners; anyone may
 * leave; the last owner can neither leave nor be demoted.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly db: Database,
    private readonly workspaces: WorkspacesService,
  ) {}

  async list(access: WorkspaceAccess): Promise<MemberDto[]> {
    const members = await this.db.dataSource.getRepository(MemberEntity).find({ where: { workspaceId: access.workspace.id }, order: { createdAt: 'ASC' } });
    const users = await this.db.dataSource.getRepository(UserEntity).findBy({ id: In(members.map((member) => member.userId)) });
    const byId = new Map(users.map((user) => [user.id, user]));
    return members.flatMap((member) => {
      const user = byId.get(member.userId);
      return user ? [{ id: user.id, email: user.email, name: user.name, role: member.role, created_at: member.createdAt.toISOString() }] : [];
    });
  }

  async add(access: WorkspaceAccess, email: string, role: WorkspaceRole): Promise<MemberDto> {
    this.assertMayGrant(access, role);
    return this.db.transaction(async (manager) => {
      const user = await manager.getRepository(UserEntity).findOneBy({ email: normalizeEmail(email) });
      if (!user) throw notFound('No Cairn account has this email; ask them to register first.');
      const members = manager.getRepository(MemberEntity);
      if (await members.existsBy({ workspaceId: access.workspace.id, userId: user.id })) throw conflict('This account is already a member.', { field: 'email' });
      const now = new Date();
      await members.insert({ id: randomUUID(), workspaceId: access.workspace.id, userId: user.id, role, createdAt: now, updatedAt: now });
      return { id: user.id, email: user.email, name: user.name, role, created_at: now.toISOString() };
    }).finally(() => this.forgetRole(access, email));
  }

  async changeRole(access: WorkspaceAccess, userId: string, role: WorkspaceRole): Promise<MemberDto> {
    this.assertMayGrant(access, role);
    return this.db.transaction(async (manager) => {
      const member = await this.lockMember(manager, access, userId);
      this.assertMayManage(access, member);
      if (member.role === 'owner' && role !== 'owner') await this.assertAnotherOwner(manager, access, userId);
      await manager.getRepository(MemberEntity).update({ id: member.id }, { role, updatedAt: new Date() });
      const user = await manager.getRepository(UserEntity).findOneByOrFail({ id: userId });
      return { id: user.id, email: user.email, name: user.name, role, created_at: member.createdAt.toISOString() };
    }).finally(() => this.workspaces.evictRole(access.workspace.id, userId));
  }

  async remove(access: WorkspaceAccess, userId: string): Promise<void> {
    const leaving = access.principal.kind === 'user' && access.principal.userId === userId;
    if (!leaving && !hasRole(access.role, 'admin')) throw forbidden('Only owners and admins can remove other members.');
    await this.db.transaction(async (manager) => {
      const member = await this.lockMember(manager, access, userId);
      if (!leaving) this.assertMayManage(access, member);
      if (member.role === 'owner') await this.assertAnotherOwner(manager, access, userId);
      await manager.getRepository(MemberEntity).delete({ id: member.id });
    });
    await this.workspaces.evictRole(access.workspace.id, userId);
  }

  /** A cached "not a member" must not outlive the invitation. */
  private async forgetRole(access: WorkspaceAccess, email: string): Promise<void> {
    const user = await this.db.dataSource.getRepository(UserEntity).findOneBy({ email: normalizeEmail(email) });
    if (user) await this.workspaces.evictRole(access.workspace.id, user.id);
  }

  private assertMayGrant(access: WorkspaceAccess, role: WorkspaceRole): void {
    if (role === 'owner' && access.role !== 'owner') throw forbidden('Only owners can make owners.');
  }

  private assertMayManage(access: WorkspaceAccess, member: MemberEntity): void {
    if (member.role === 'owner' && access.role !== 'owner') throw forbidden('Only owners can change or remove owners.');
  }

  private async lockMember(manager: EntityManager, access: WorkspaceAccess, userId: string): Promise<MemberEntity> {
    const member = await this.db
      .forUpdate(manager.getRepository(MemberEntity).createQueryBuilder('m'))
      .where('m.workspace_id = :workspaceId AND m.user_id = :userId', { workspaceId: access.workspace.id, userId })
      .getOne();
    if (!member) throw notFound('Member not found.');
    return member;
  }

  /** Locks the owners' rows so that two owners demoting each other at once cannot leave none. */
  private async assertAnotherOwner(manager: EntityManager, access: WorkspaceAccess, userId: string): Promise<void> {
    const owners = await this.db
      .forUpdate(manager.getRepository(MemberEntity).createQueryBuilder('m'))
      .where("m.workspace_id = :workspaceId AND m.role = 'owner'", { workspaceId: access.workspace.id })
      .getMany();
    if (!owners.some((owner) => owner.userId !== userId)) throw conflict(LAST_OWNER);
  }
}
