import pytest
from django.utils import translation

from letters.content import language_name, social_lines
from tests.factories import case_version

pytestmark = pytest.mark.django_db


def test_campaign_figures_and_stories_are_read_as_parts_not_as_texts():
    campaign = case_version().content.campaign
    assert str(campaign.figures[0].value) == "2,326"
    assert str(campaign.figures[0].label) == "letters in 2001"
    story = campaign.success_stories[0]
    assert str(story.name) == "Rita Karasartova"
    assert str(story.headline) == "Human rights defender acquitted"
    assert str(campaign.quotes[0].by).startswith("Jani Silva")


def test_social_texts_put_the_handles_with_the_hashtags():
    social = social_lines(case_version().content)
    assert social["hashtags"] == "#FreeKalesnikava #W4R24 #ProtectTheProtest"
    texts = [account["text"] for account in social["accounts"]]
    assert "@BelarusMFA #FreeKalesnikava #W4R24 #ProtectTheProtest" in texts
    assert "www.facebook.com/maria.kalesnikava/" in texts


def test_language_names_in_the_reader_s_language_and_their_own():
    with translation.override("en"):
        assert language_name("be") == "Belarusian (беларуская)"
        assert language_name("en") == "English"
        assert language_name("pt-BR") == "Brazilian Portuguese (Português Brasileiro)"
        assert language_name("xx") == "xx"
