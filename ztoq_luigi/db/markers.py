"""Queries over the task markers that the run itself needs: which phases are done, what to do again.

Markers are read by their columns (project, sync round, phase, kind,
retryable, failed_count), never by their names; each query is about the
project's current sync round unless it is given another.
"""

from ztoq_luigi.db.models import Marker
from ztoq_luigi.db.rounds import current_round
from ztoq_luigi.kinds import PHASES, MarkerKind


def in_round(project_key, sync_round=None):
    """The condition selecting the markers of one round of the project (its current one by default)."""
    number = current_round(project_key) if sync_round is None else sync_round
    return (Marker.project_key == project_key) & (Marker.sync_round == number)


def phase_done(project_key, phase, sync_round=None):
    return Marker.select().where(in_round(project_key, sync_round) & (Marker.kind == MarkerKind.PHASE.value)
                                 & (Marker.phase == str(phase))).exists()


def reopen_failed(project_key, first_phase):
    """Forget the retryable markers with failures from `first_phase` on, and the groups and phases above them.

    Returns how many were reopened: the next run does exactly those again.
    """
    later = PHASES[PHASES.index(str(first_phase)):]
    ours = in_round(project_key)
    failed = list(Marker.select(Marker.id, Marker.phase).where(
        ours & Marker.retryable & (Marker.failed_count > 0) & Marker.phase.in_(later)))
    if not failed:
        return 0
    above = PHASES[min(PHASES.index(marker.phase) for marker in failed):]
    (Marker.delete().where(ours & (
        Marker.id.in_([marker.id for marker in failed])
        | (Marker.kind.in_([MarkerKind.PHASE.value, MarkerKind.GROUP.value]) & Marker.phase.in_(above))))
     .execute())
    return len(failed)


def has_failures(project_key, phase):
    """Whether a task of the phase finished with failures that a rerun would retry."""
    return Marker.select().where(in_round(project_key) & (Marker.phase == str(phase))
                                 & Marker.retryable & (Marker.failed_count > 0)).exists()


def forget_phase(project_key, phase):
    """Make a phase of the current round run again from scratch (`ztoq workflow validate` does this)."""
    Marker.delete().where(in_round(project_key) & (Marker.phase == str(phase))).execute()
