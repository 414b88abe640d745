"""The model-card aspects of an ML model (Mitchell et al., 2019), plus `mlModelDetails`:
one typed setter and one typed getter each. Payloads are built with the aspect classes
of `mlgraph.model.aspects.mlmodel`, so the schema is declared once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlgraph.model.aspects.mlmodel import (
    CaveatDetails,
    CaveatsAndRecommendations,
    Cost,
    CostCost,
    EthicalConsiderations,
    EvaluationData,
    EvaluationDataRef,
    FactorPrompts,
    IntendedUse,
    IntendedUserType,
    Metrics,
    MLModelDetails,
    MLStore,
    ModelFactors,
    QuantitativeAnalyses,
    SourceCode,
    SourceCodeUrl,
    SourceCodeUrlType,
    TrainingData,
    TrainingDataRef,
)
from mlgraph.sdk.entities.base import Entity
from mlgraph.sdk.urns import checked_urn


@dataclass(frozen=True)
class BaseData:
    """A dataset a model was trained or evaluated on (DataHub's BaseDataClass)."""

    dataset: str
    motivation: str | None = None
    pre_processing: list[str] = field(default_factory=list)


def _refs(datasets: Iterable[str | BaseData]) -> list[dict[str, Any]]:
    out = []
    for d in datasets:
        ref = d if isinstance(d, BaseData) else BaseData(str(d))
        out.append(
            {
                "dataset": checked_urn(ref.dataset, "dataset"),
                "motivation": ref.motivation,
                "preProcessing": list(ref.pre_processing) or None,
            }
        )
    return out


def _factors(
    factors: Sequence[ModelFactors | Mapping[str, Any]] | None,
) -> list[ModelFactors] | None:
    if factors is None:
        return None
    return [f if isinstance(f, ModelFactors) else ModelFactors.model_validate(f) for f in factors]


class ModelCard(Entity):
    """Mixed into `MLModel`."""

    def set_intended_use(
        self,
        *,
        primary_uses: Sequence[str] | None = None,
        primary_users: Sequence[IntendedUserType | str] | None = None,
        out_of_scope_uses: Sequence[str] | None = None,
    ) -> None:
        users = [IntendedUserType(u) for u in primary_users] if primary_users is not None else None
        self.set_aspect(
            IntendedUse(
                primaryUses=_list(primary_uses),
                primaryUsers=users,
                outOfScopeUses=_list(out_of_scope_uses),
            )
        )

    @property
    def intended_use(self) -> IntendedUse | None:
        return self.get_aspect(IntendedUse)

    def set_ethical_considerations(
        self,
        *,
        data: Sequence[str] | None = None,
        human_life: Sequence[str] | None = None,
        mitigations: Sequence[str] | None = None,
        risks_and_harms: Sequence[str] | None = None,
        use_cases: Sequence[str] | None = None,
    ) -> None:
        self.set_aspect(
            EthicalConsiderations(
                data=_list(data),
                humanLife=_list(human_life),
                mitigations=_list(mitigations),
                risksAndHarms=_list(risks_and_harms),
                useCases=_list(use_cases),
            )
        )

    @property
    def ethical_considerations(self) -> EthicalConsiderations | None:
        return self.get_aspect(EthicalConsiderations)

    def set_caveats_and_recommendations(
        self,
        *,
        needs_further_testing: bool | None = None,
        caveat_description: str | None = None,
        groups_not_represented: Sequence[str] | None = None,
        recommendations: str | None = None,
        ideal_dataset_characteristics: Sequence[str] | None = None,
    ) -> None:
        caveats = None
        if any(
            v is not None
            for v in (needs_further_testing, caveat_description, groups_not_represented)
        ):
            caveats = CaveatDetails(
                needsFurtherTesting=needs_further_testing,
                caveatDescription=caveat_description,
                groupsNotRepresented=_list(groups_not_represented),
            )
        self.set_aspect(
            CaveatsAndRecommendations(
                caveats=caveats,
                recommendations=recommendations,
                idealDatasetCharacteristics=_list(ideal_dataset_characteristics),
            )
        )

    @property
    def caveats_and_recommendations(self) -> CaveatsAndRecommendations | None:
        return self.get_aspect(CaveatsAndRecommendations)

    def set_training_data(self, datasets: Iterable[str | BaseData]) -> None:
        """The datasets the model was trained on (URNs, or `BaseData` with motivation
        and pre-processing); each becomes a TrainedOn lineage edge."""
        refs = [TrainingDataRef.model_validate(r) for r in _refs(datasets)]
        self.set_aspect(TrainingData(trainingData=refs))

    @property
    def training_data(self) -> list[BaseData]:
        aspect = self.get_aspect(TrainingData)
        return [_base(r) for r in aspect.trainingData] if aspect else []

    def set_evaluation_data(self, datasets: Iterable[str | BaseData]) -> None:
        refs = [EvaluationDataRef.model_validate(r) for r in _refs(datasets)]
        self.set_aspect(EvaluationData(evaluationData=refs))

    @property
    def evaluation_data(self) -> list[BaseData]:
        aspect = self.get_aspect(EvaluationData)
        return [_base(r) for r in aspect.evaluationData] if aspect else []

    def set_factor_prompts(
        self,
        *,
        relevant_factors: Sequence[ModelFactors | Mapping[str, Any]] | None = None,
        evaluation_factors: Sequence[ModelFactors | Mapping[str, Any]] | None = None,
    ) -> None:
        self.set_aspect(
            FactorPrompts(
                relevantFactors=_factors(relevant_factors),
                evaluationFactors=_factors(evaluation_factors),
            )
        )

    @property
    def factor_prompts(self) -> FactorPrompts | None:
        return self.get_aspect(FactorPrompts)

    def set_quantitative_analyses(
        self, *, unitary_results: str | None = None, intersectional_results: str | None = None
    ) -> None:
        self.set_aspect(
            QuantitativeAnalyses(
                unitaryResults=unitary_results, intersectionalResults=intersectional_results
            )
        )

    @property
    def quantitative_analyses(self) -> QuantitativeAnalyses | None:
        return self.get_aspect(QuantitativeAnalyses)

    def set_metrics(
        self,
        *,
        performance_measures: Sequence[str] | None = None,
        decision_threshold: Sequence[str] | None = None,
    ) -> None:
        """The model card's `mlModelMetrics` (not the training metrics)."""
        self.set_aspect(
            Metrics(
                performanceMeasures=_list(performance_measures),
                decisionThreshold=_list(decision_threshold),
            )
        )

    @property
    def metrics(self) -> Metrics | None:
        return self.get_aspect(Metrics)

    def set_source_code(
        self,
        *,
        model: str | None = None,
        training_pipeline: str | None = None,
        evaluation_pipeline: str | None = None,
    ) -> None:
        """Links to the model's code, its training pipeline and its evaluation pipeline."""
        urls = [
            SourceCodeUrl(type=kind, sourceCodeUrl=url)
            for kind, url in (
                (SourceCodeUrlType.ML_MODEL_SOURCE_CODE, model),
                (SourceCodeUrlType.TRAINING_PIPELINE_SOURCE_CODE, training_pipeline),
                (SourceCodeUrlType.EVALUATION_PIPELINE_SOURCE_CODE, evaluation_pipeline),
            )
            if url is not None
        ]
        self.set_aspect(SourceCode(sourceCode=urls))

    @property
    def source_code(self) -> dict[SourceCodeUrlType, str]:
        aspect = self.get_aspect(SourceCode)
        return {s.type: s.sourceCodeUrl for s in aspect.sourceCode} if aspect else {}

    def set_cost(
        self,
        *,
        cost_code: str | None = None,
        cost_id: float | None = None,
        cost_type: str = "ORG_COST_TYPE",
    ) -> None:
        discriminator = "costCode" if cost_code is not None else "costId"
        self.set_aspect(
            Cost(
                costType=cost_type,
                cost=CostCost(costCode=cost_code, costId=cost_id, fieldDiscriminator=discriminator),
            )
        )

    @property
    def cost(self) -> Cost | None:
        return self.get_aspect(Cost)

    def set_details(
        self,
        *,
        algorithm: str | None = None,
        target: str | None = None,
        storage: str | None = None,
        image_repository: str | None = None,
        server: str | None = None,
        dashboard: str | None = None,
    ) -> None:
        """What the model is (algorithm, target), where it is stored (model store
        storage and image repository), where it is served and monitored."""
        store = None
        if storage is not None or image_repository is not None:
            store = MLStore(storage=storage, imageRepository=image_repository)
        self.set_aspect(
            MLModelDetails(
                algorithm=algorithm,
                target=target,
                mlStore=store,
                server=server,
                dashboard=checked_urn(dashboard, "dashboard") if dashboard else None,
            )
        )

    @property
    def details(self) -> MLModelDetails | None:
        return self.get_aspect(MLModelDetails)


def _list(values: Sequence[str] | None) -> list[str] | None:
    return None if values is None else [str(v) for v in values]


def _base(ref: TrainingDataRef | EvaluationDataRef) -> BaseData:
    return BaseData(ref.dataset, ref.motivation, list(ref.preProcessing or []))
