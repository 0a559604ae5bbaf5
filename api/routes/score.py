"""Ad-hoc scoring: an analyst pastes a title and description and sees what the model says."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentKey, ModelDep
from api.errors import ERROR_RESPONSES, error_response
from api.schemas import ScoreIn, ScoreOut

router = APIRouter(prefix="/v1", tags=["score"], responses=ERROR_RESPONSES)


@router.post("/score", response_model=ScoreOut, responses={503: error_response("No classifier model is loaded.")})
def score_text(body: ScoreIn, key: CurrentKey, model: ModelDep) -> ScoreOut:
    """Score one title/description with the loaded model (nothing is stored)."""
    result = model.score_batch([body.title], [body.description])[0]
    return ScoreOut(
        score=float(result.score),
        flagged=bool(result.flagged),
        threshold=model.threshold,
        species=[str(s) for s in result.species],
        reasons=[str(r) for r in result.reasons],
        model_version=str(model.version),
    )
