"""The matching exercise's part of deleting a session's content
(activities.retention): the groups' pairs and boards and the answers to the
closing question go; how many there were is kept."""

from ...models import ClosingAnswer, MatchingBoard, MatchPair


def purge_matching(session):
    pairs = MatchPair.objects.filter(exercise__session=session)
    answers = ClosingAnswer.objects.filter(exercise__session=session)
    kept = {"match_pairs": pairs.count(), "closing_answers": answers.count()}
    pairs.delete()
    answers.delete()
    MatchingBoard.objects.filter(exercise__session=session).delete()
    return kept
