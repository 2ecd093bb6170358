//! Who is asking: every service takes an [`Actor`] and checks tenancy and
//! permissions here, once, instead of in each resolver.

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::types::Role;

/// The signed-in user a service acts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The user's id.
    pub user_id: Uuid,
    /// The organization every record touched must belong to.
    pub organization_id: Uuid,
    /// What the user may do.
    pub role: Role,
}

/// Something a role may or may not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Create users and change roles.
    ManageUsers,
    /// Create, edit, retire and import questions, categories, competencies.
    ManageBank,
    /// Create and update candidates and move them between stages.
    ManageCandidates,
    /// Build, edit and publish interview plans.
    ManagePlans,
    /// Read every submitted scorecard of the organization.
    ReadAllScorecards,
    /// Save and submit scorecards for rounds one is assigned to.
    SubmitScorecards,
}

impl Permission {
    /// How the action reads in an error message ("may not …").
    fn action(self) -> &'static str {
        match self {
            Permission::ManageUsers => "manage users",
            Permission::ManageBank => "edit the question bank",
            Permission::ManageCandidates => "manage candidates",
            Permission::ManagePlans => "edit interview plans",
            Permission::ReadAllScorecards => "read every scorecard",
            Permission::SubmitScorecards => "submit scorecards",
        }
    }
}

impl Role {
    /// Whether this role has `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::HiringManager => !matches!(permission, ManageUsers),
            Role::Interviewer => matches!(permission, SubmitScorecards),
            Role::Viewer => matches!(permission, ReadAllScorecards),
        }
    }
}

impl Actor {
    /// `Ok` when the actor's role has `permission`, otherwise `Forbidden`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(Error::Forbidden {
                action: permission.action(),
                role: self.role,
            })
        }
    }

    /// `Ok(record)` when it belongs to the actor's organization; a record of
    /// another organization is reported exactly like a missing one.
    pub fn own<T>(
        &self,
        record: Option<T>,
        organization_of: impl Fn(&T) -> Uuid,
        entity: &'static str,
    ) -> Result<T> {
        match record {
            Some(record) if organization_of(&record) == self.organization_id => Ok(record),
            _ => Err(Error::NotFound { entity }),
        }
    }
}
