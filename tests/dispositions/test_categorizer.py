"""The categorizer: normalization, keyword rules, the trained model, thresholds, decisions."""

from __future__ import annotations

import numpy as np
import pytest

from complaints.lifecycle import Actor
from complaints.models import Category, ComplaintEvent, Status
from complaints.services import complaint_create
from dispositions import services
from dispositions.categorizer import services as categorizer
from dispositions.categorizer.normalize import normalize
from dispositions.categorizer.rules import rule_confidences, rule_hits
from dispositions.models import (
    CategorizationDecision,
    CategorizerModel,
    CategoryKeyword,
    TrainingExample,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ISSUE_SENTENCE = "jln di depan sdn 3 bolong gede bgt udh 2 minggu gk dibenerin"
VAGUE = "tolong dibantu pak, sudah lama tidak ada tanggapan dari kantor"

# A dozen ways citizens describe each problem, as a team would write a starter set.
SMALL_SET = {
    "jalan-rusak": [
        "jalan berlubang besar di depan sekolah",
        "aspal jalan rusak parah dan berlubang",
        "jln bolong2 bikin motor jatuh",
        "lubang di jalan raya belum ditambal",
        "jalan ambles dekat jembatan kecil",
        "jalanan rusak banget gk pernah dibenerin",
        "banyak lubang di jalan kampung kami",
        "aspal mengelupas jalan jadi berlubang",
        "jalan retak dan bolong setelah hujan",
        "tolong perbaiki jalan rusak di gang",
        "lubang jalan dalam sekali bahaya",
        "jalan utama rusak berat sudah sebulan",
    ],
    "lampu-jalan": [
        "lampu jalan mati sudah seminggu",
        "pju mati di gang gelap sekali",
        "lampu penerangan jalan padam semua",
        "jalan gelap karena lampu jalan mati",
        "lampu jalan kedip kedip lalu mati",
        "tiang lampu jalan tidak menyala",
        "lampu pju rusak sejak bulan lalu",
        "penerangan jalan umum mati total",
        "gelap gulita lampu jalan tidak nyala",
        "lampu jalan depan rumah mati",
        "pju padam rawan begal malam hari",
        "lampu jalan perlu diganti sudah mati",
    ],
    "sampah": [
        "sampah menumpuk tidak diangkut",
        "tumpukan sampah bau busuk di pinggir jalan",
        "truk sampah tidak datang seminggu",
        "sampah numpuk bgt di tps",
        "warga buang sampah sembarangan di sungai",
        "sampah berserakan banyak lalat",
        "tps penuh sampah meluber ke jalan",
        "bau sampah menyengat sampai rumah",
        "sampah rumah tangga belum diangkut",
        "tempat sampah penuh tidak dikosongkan",
        "sampah plastik menumpuk di selokan",
        "pengangkutan sampah terlambat terus",
    ],
}


def _train(world, *, with_agency=False):
    by_slug = {"jalan-rusak": world.road, "lampu-jalan": world.streetlight, "sampah": world.garbage}
    agencies = {
        "jalan-rusak": world.roads_bdg,
        "lampu-jalan": world.roads_bdg,
        "sampah": world.env_bdg,
    }
    TrainingExample.objects.bulk_create(
        TrainingExample(
            text=text,
            category=by_slug[slug],
            agency=agencies[slug] if with_agency else None,
            source=TrainingExample.Source.STARTER,
        )
        for slug, texts in SMALL_SET.items()
        for text in texts
    )
    return categorizer.categorizer_train()


def _new(world, text, **kwargs):
    kwargs.setdefault("area", world.sukarasa)
    return complaint_create(channel="whatsapp", text=text, **kwargs)


# Normalization --------------------------------------------------------------------------


def test_it_expands_slang_and_abbreviations():
    assert normalize("gk ga gak nggak tdk") == "tidak tidak tidak tidak tidak"
    assert normalize("udh sdh bgt yg dgn dr krn sy tlg blm") == (
        "sudah sudah banget yang dengan dari karena saya tolong belum"
    )
    assert normalize("jln dpn sdn") == "jalan depan sd negeri"


def test_it_strips_urls_mentions_emoji_and_repeated_letters():
    assert normalize("Sampahnya numpuk bangeeet!!! 😡 https://t.co/x @pemkot") == (
        "sampah tumpuk banget"
    )
    assert normalize("lampu mati2") == "lampu mati"


def test_it_stems_indonesian_affixes():
    assert normalize("berlubang") == normalize("lubang") == normalize("bolong")
    assert normalize("diperbaiki") == normalize("dibenerin")


# Rules ----------------------------------------------------------------------------------


def test_a_keyword_matches_however_the_citizen_spells_it(world):
    CategoryKeyword.objects.create(category=world.road, phrase="jalan berlubang", weight=2)
    hits = rule_hits(normalize("itu jln bolong gede bgt"))
    assert [(h.category_id, h.score) for h in hits] == [(world.road.pk, 2.0)]
    assert rule_confidences(hits)[world.road.pk] == pytest.approx(0.5)


def test_rules_match_whole_words_and_skip_inactive_keywords(world):
    CategoryKeyword.objects.create(category=world.garbage, phrase="bau", weight=1)
    CategoryKeyword.objects.create(category=world.road, phrase="aspal", weight=1, is_active=False)
    assert rule_hits(normalize("jalan baru diaspal")) == []
    assert rule_hits(normalize("sudah bau sekali"))[0].category_id == world.garbage.pk


def test_two_categories_share_the_rule_confidence(world):
    CategoryKeyword.objects.create(category=world.garbage, phrase="sampah", weight=2)
    CategoryKeyword.objects.create(category=world.road, phrase="lubang", weight=2)
    confidences = rule_confidences(rule_hits(normalize("sampah di dalam lubang jalan")))
    assert confidences[world.garbage.pk] == confidences[world.road.pk] == pytest.approx(1 / 4)


# The model ------------------------------------------------------------------------------


def test_it_trains_a_versioned_model_file_and_predicts(world):
    model = _train(world, with_agency=True)
    assert model.is_active and model.n_examples == 36 and model.n_agency_examples == 36
    assert model.categories == ["jalan-rusak", "lampu-jalan", "sampah"]
    assert model.file.name.startswith(f"categorizer-{model.version}")
    assert model.size_bytes == model.file.size > 0
    assert model.version[:8].isdigit()  # the training date, YYYYMMDD-HHMMSS

    prediction = categorizer.predict_text("lampu pju di gang kami mati sudah 3 hari")
    assert prediction.best.category == world.streetlight
    assert prediction.model_version == model.version
    assert categorizer.predict_text("sampah numpuk bau").agency == world.env_bdg


def test_a_new_model_replaces_the_active_one_in_the_cache(world):
    first = _train(world)
    assert categorizer.active_model()[1] == first.version
    second = categorizer.categorizer_train()
    assert second.version != first.version
    assert list(CategorizerModel.objects.filter(is_active=True)) == [second]
    assert categorizer.active_model()[1] == second.version


def test_a_missing_model_file_leaves_the_rules_in_charge(world):
    model = _train(world)
    model.file.storage.delete(model.file.name)
    CategoryKeyword.objects.create(category=world.streetlight, phrase="lampu jalan", weight=2)
    CategoryKeyword.objects.create(category=world.streetlight, phrase="pju", weight=2)
    categorizer.categorizer_train()  # a new active model, so the cache reloads...
    broken = CategorizerModel.objects.get(is_active=True)
    broken.file.storage.delete(broken.file.name)  # ...a file that has gone missing
    prediction = categorizer.predict_text("lampu jalan pju mati")
    assert prediction.best.category == world.streetlight and prediction.model_version == ""
    assert prediction.best.model == 0.0


def test_training_needs_two_categories(world):
    TrainingExample.objects.create(text="jalan rusak", category=world.road, source="starter")
    with pytest.raises(ValueError, match="two categories"):
        categorizer.categorizer_train()


def test_evaluation_scores_the_model_with_cross_validation(world):
    _train(world)
    scores = categorizer.cross_validated_scores(categorizer.training_set())
    assert scores["category"].folds == 5 and scores["category"].n == 36
    assert scores["category"].accuracy > 0.7
    assert scores["agency"] is None  # no example names an agency


# Threshold and decisions ----------------------------------------------------------------


def test_a_confident_categorization_routes_the_complaint(world, django_capture_on_commit_callbacks):
    _train(world)
    CategoryKeyword.objects.create(category=world.road, phrase="bolong", weight=1.5)
    with django_capture_on_commit_callbacks(execute=True):
        complaint = _new(world, ISSUE_SENTENCE)
    complaint.refresh_from_db()
    assert (complaint.category, complaint.status) == (world.road, Status.ASSIGNED)
    assert complaint.agency == world.roads_bdg  # infrastructure in Kota Bandung
    decision = CategorizationDecision.objects.get(complaint=complaint)
    assert decision.category == world.road and decision.confidence >= 0.6
    assert decision.source in ("rule", "model") and decision.model_version
    event = complaint.events.get(action="categorize")
    assert event.actor_label == "system" and not event.is_public


def test_a_vague_complaint_goes_to_triage_with_suggestions(world):
    _train(world)
    complaint = _new(world, VAGUE)
    assert services.disposition_route(complaint_id=complaint.pk) == services.RouteOutcome.TRIAGE
    complaint.refresh_from_db()
    assert complaint.category is None and complaint.status == Status.TRIAGE
    decision = CategorizationDecision.objects.get(complaint=complaint)
    assert decision.category is None and decision.source == "model"
    assert decision.confidence < 0.6
    assert {s["category_slug"] for s in decision.suggestions} == {
        "jalan-rusak",
        "lampu-jalan",
        "sampah",
    }
    assert decision.suggestions[0]["confidence"] >= decision.suggestions[-1]["confidence"]
    assert not complaint.events.filter(action="categorize").exists()


def test_the_threshold_decides(world, settings):
    _train(world)
    complaint = _new(world, "lampu jalan mati")
    settings.CATEGORIZER_THRESHOLD = 0.999
    assert categorizer.complaint_categorize(complaint=complaint).category is None
    settings.CATEGORIZER_THRESHOLD = 0.05
    decision = categorizer.complaint_categorize(complaint=complaint)
    assert decision.category == world.streetlight
    complaint.refresh_from_db()
    assert complaint.category == world.streetlight


def test_rules_alone_decide_when_no_model_is_trained(world):
    CategoryKeyword.objects.create(category=world.garbage, phrase="sampah", weight=2)
    CategoryKeyword.objects.create(category=world.garbage, phrase="tumpukan sampah", weight=2)
    complaint = _new(world, "Tumpukan sampah di pinggir jalan")
    assert services.disposition_route(complaint_id=complaint.pk) == services.RouteOutcome.ASSIGNED
    decision = CategorizationDecision.objects.get(complaint=complaint)
    assert (decision.category, decision.source, decision.model_version) == (
        world.garbage,
        "rule",
        "",
    )
    assert decision.confidence == pytest.approx(2 / 3)  # two strong keywords
    complaint.refresh_from_db()
    assert complaint.agency == world.kel_sukarasa


def test_the_reporters_choice_is_recorded_without_running_the_categorizer(world):
    complaint = _new(world, "sampah numpuk", category=world.road)
    services.disposition_route(complaint_id=complaint.pk)
    decision = CategorizationDecision.objects.get(complaint=complaint)
    assert (decision.category, decision.source, decision.confidence) == (
        world.road,
        "reporter",
        None,
    )


def test_an_operators_choice_is_recorded_and_learned_from(world, operator):
    complaint = _new(world, VAGUE)
    services.disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    services.disposition_assign(
        complaint=complaint,
        actor=Actor.for_user(operator),
        agency=world.env_bdg,
        category=world.garbage,
    )
    decision = CategorizationDecision.objects.filter(complaint=complaint).latest("id")
    assert (decision.category, decision.source, decision.actor) == (
        world.garbage,
        "person",
        operator,
    )
    example = TrainingExample.objects.get(complaint=complaint)
    assert (example.source, example.category, example.text) == ("confirmed", world.garbage, VAGUE)
    # A second look that changes its mind updates the same example.
    categorizer.decision_record_person(
        complaint=complaint, category=world.road, actor=Actor.for_user(operator)
    )
    assert TrainingExample.objects.get(complaint=complaint).category == world.road
    assert complaint.events.filter(action="categorize", actor=operator).exists()


def test_assigning_without_a_category_records_no_decision(world, operator):
    complaint = _new(world, VAGUE)
    services.disposition_route(complaint_id=complaint.pk)
    complaint.refresh_from_db()
    services.disposition_assign(
        complaint=complaint, actor=Actor.for_user(operator), agency=world.env_bdg
    )
    assert not CategorizationDecision.objects.filter(complaint=complaint, source="person").exists()
    assert not TrainingExample.objects.exists()


# The starter set ------------------------------------------------------------------------


def test_the_starter_set_routes_the_issue_sentence_to_the_roads_agency_of_bandung(world):
    # The world has three of the starter set's categories; the loader keeps only those.
    Category.objects.filter(slug="lingkungan").update(slug="lingkungan-kebersihan")
    assert categorizer.starter_examples_load() > 30
    assert categorizer.starter_examples_load() == 0  # idempotent
    categorizer.categorizer_train()
    complaint = _new(world, ISSUE_SENTENCE, area=world.dago)
    assert services.disposition_route(complaint_id=complaint.pk) == services.RouteOutcome.ASSIGNED
    complaint.refresh_from_db()
    assert (complaint.category, complaint.agency) == (world.road, world.roads_bdg)
    assert ComplaintEvent.objects.filter(complaint=complaint, action="route").exists()


def test_a_large_set_keeps_one_calibrated_svm_in_float32(monkeypatch):
    from dispositions.categorizer import model as ml

    texts = [normalize(t) for texts in SMALL_SET.values() for t in texts]
    labels = [topic for topic, texts in SMALL_SET.items() for _t in texts]
    small = ml.fit(texts, labels)
    assert len(small[-1].calibrated_classifiers_) == ml.CALIBRATION_FOLDS
    monkeypatch.setattr(ml, "SINGLE_MODEL_FROM", len(texts))
    large = ml.fit(texts, labels)
    (calibrated,) = large[-1].calibrated_classifiers_
    assert calibrated.estimator.coef_.dtype == np.float32
    assert ml.top_label(large, normalize("lampu jalan mati"))[0] == "lampu-jalan"
