//! `migration-docs`: a schema change comes with an Alembic revision and
//! with migration instructions.

use crate::checks::OptionDoc;
use crate::checks::change::{ChangeCheck, Input};
use crate::checks::declare_check;
use crate::checks::options::Value;
use crate::config::FilterMode;
use crate::diagnostic::{Facts, Finding, Headline, Item, Location, Outcome, Ran, SkipReason};
use crate::model::analysis;
use crate::task;

declare_check! {
    /// ## What it does
    /// A schema change is a change to what a SQLAlchemy model maps: its
    /// columns (`Column(...)`, `mapped_column(...)`, `Mapped[...]`,
    /// `relationship`, `column_property`; every field of an SQLModel
    /// `table=True` class), `__tablename__`, `__table__` or
    /// `__table_args__`, in any class that maps columns (a mixin with
    /// columns included); or to a `Table(...)`; or a new Alembic revision
    /// (a new module setting `revision` and `down_revision` with an
    /// `upgrade()`). Methods, properties,
    /// other class attributes, pydantic models and non-table SQLModel
    /// classes are not schema. Django models are outside dod's stack: the
    /// check is skipped as not applicable. A model change without a
    /// new revision fails (rule `missing-migration`). Any schema change needs
    /// migration instructions (rule `migration-not-documented`): a changed
    /// file matching `docs` (default `docs/migrations/**`,
    /// `MIGRATIONS.md`, `UPGRADING.md`, `CHANGELOG.md`), a changed
    /// changelog (`CHANGES*`, `CHANGELOG*`, `HISTORY*`, `NEWS*`,
    /// `docs/changelog*`), or a non-empty `## Migration` section in the
    /// task file.
    ///
    /// ## Why it matters
    /// The code and the database must move together, and whoever deploys
    /// needs to know how: run the upgrade first, backfill, expect a lock.
    ///
    /// ## Example
    /// ```python
    /// class Upload(Base):
    ///     checksum: Mapped[str] = mapped_column(String(64))   # new column: revision + docs
    /// ```
    ///
    /// ## How to fix
    /// `alembic revision --autogenerate -m "..."`, review it, and write the
    /// steps in the migration docs or the task's `## Migration` section.
    ///
    /// ## How to suppress
    /// `docs = [...]` in `[checks.migration-docs]` for where your
    /// instructions live, or
    /// `enabled = false` in `[checks.migration-docs]`.
    pub struct MigrationDocs;
    id: crate::checks::Builtin::MigrationDocs,
    title: "migrations documented",
    item: Item::DocsMigrations,
    skips_tests: false,
    filter: FilterMode::All,
    needs: crate::checks::Needs::Change,
    options: OPTIONS,
}

/// Where the docs live unless `docs` says otherwise.
pub const DEFAULT_DOCS: &[&str] = &[
    "docs/migrations/**",
    "MIGRATIONS.md",
    "UPGRADING.md",
    "CHANGELOG.md",
];

pub const OPTIONS: &[OptionDoc] = &[OptionDoc {
    key: "docs",
    default: Some(Value::Strings(DEFAULT_DOCS)),
    doc: "globs of the migration instructions",
}];

impl ChangeCheck for MigrationDocs {
    fn run(&self, input: &Input<'_>) -> Outcome {
        let revisions: Vec<&str> = input
            .inventory
            .migrations
            .iter()
            .map(String::as_str)
            .collect();
        let mut models: Vec<(Location, String)> = Vec::new();
        for versions in input.python {
            // Models in tests, docs and examples are not the project's schema.
            if !crate::model::api::is_library_module(&versions.file.path)
                || revisions.contains(&versions.file.path.as_str())
            {
                continue;
            }
            let before = versions
                .base
                .as_ref()
                .map(analysis::models)
                .unwrap_or_default();
            let after = versions
                .head
                .as_ref()
                .map(analysis::models)
                .unwrap_or_default();
            for model in &after {
                let changed = before
                    .iter()
                    .find(|old| old.name == model.name)
                    .is_none_or(|old| old.key != model.key);
                if changed && let Some(head) = &versions.head {
                    let (line, column) = head.line_column(model.at);
                    models.push((
                        Location::at(versions.file.path.clone(), line, Some(column)),
                        model.name.clone(),
                    ));
                }
            }
            for model in before
                .iter()
                .filter(|old| !after.iter().any(|new| new.name == old.name))
            {
                models.push((
                    Location::file(versions.file.path.clone()),
                    model.name.clone(),
                ));
            }
        }
        let django = input.python.iter().any(|versions| {
            [versions.base.as_ref(), versions.head.as_ref()]
                .into_iter()
                .flatten()
                .any(analysis::has_django_models)
        });
        if django && models.is_empty() {
            return Outcome::Skipped(SkipReason::DjangoModels);
        }
        if models.is_empty() && revisions.is_empty() {
            return Outcome::Ran(Ran {
                facts: Facts {
                    headline: Some(Headline::NoSchemaChange),
                    ..Facts::default()
                },
                ..Ran::default()
            });
        }
        let mut findings = Vec::new();
        if revisions.is_empty() {
            for (location, name) in &models {
                findings.push(
                    Finding::new(
                        "missing-migration",
                        location.clone(),
                        format!("model `{name}` changed but no migration was added"),
                    )
                    .with_fix(
                        "add an Alembic revision: `alembic revision --autogenerate -m \"...\"`",
                    ),
                );
            }
        }
        let documented_in_task = input.task.is_some_and(|found| {
            found
                .task
                .section_text("migration")
                .is_some_and(|text| !text.trim().is_empty() && !task::says_none(&text))
        });
        let documented = documented_in_task
            || input.changed(|path| {
                input.own.migration_docs.docs.is_match(path)
                    || crate::checks::change::is_changelog(path)
            });
        if !documented {
            let location = revisions
                .first()
                .map(|path| Location::file(*path))
                .or_else(|| models.first().map(|(location, _)| location.clone()))
                .unwrap_or_default();
            findings.push(
                Finding::new("migration-not-documented", location, "the schema changed but no migration instructions were written")
                    .with_fix("describe the upgrade in MIGRATIONS.md, docs/migrations/, CHANGELOG.md, or `## Migration` in the task file"),
            );
        }
        Outcome::Ran(Ran::findings(findings))
    }
}
