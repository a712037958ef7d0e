import type { AuditEntity } from './record'

// One place for how each kind of object is named in the log, so the API routes and bootstrap agree and
// an entityType/entityId filter finds every entry about an object whoever wrote it.

/** A user, named by username (their e-mail address). */
export function userEntity(user: { id: string; username: string }): AuditEntity {
  return { type: 'user', id: user.id, name: user.username }
}

/** A team. */
export function teamEntity(team: { id: string; name: string }): AuditEntity {
  return { type: 'team', id: team.id, name: team.name }
}

/** An integration (never its key: see redact.ts). */
export function integrationEntity(integration: { id: string; name: string }): AuditEntity {
  return { type: 'integration', id: integration.id, name: integration.name }
}

/**
 * A membership and its snapshot. The id is `teamId:userId`, the pair that identifies a membership, so an
 * entityId filter finds one person's role changes in one team.
 */
export function teamMemberAudit(
  team: { id: string; name: string },
  user: { id: string; username: string },
  role: string,
): { entity: AuditEntity; snapshot: Record<string, string> } {
  return {
    entity: { type: 'team-member', id: `${team.id}:${user.id}`, name: `${user.username} in ${team.name}` },
    snapshot: { teamId: team.id, teamName: team.name, userId: user.id, username: user.username, role },
  }
}
