from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ResearchConfig(AppConfig):
    name = "research"

    def ready(self):
        from clinic.pagecache import content_changed

        # Studies, their findings, translations and conditions show on study, list and condition
        # pages.
        models = ("Study", "KeyFinding", "StudyTranslation")
        for model in map(self.get_model, models):
            name = model._meta.model_name
            post_save.connect(content_changed, sender=model, dispatch_uid=f"{name}-saved")
            post_delete.connect(content_changed, sender=model, dispatch_uid=f"{name}-deleted")
        m2m_changed.connect(
            content_changed,
            sender=self.get_model("Study").conditions.through,
            dispatch_uid="study-conditions-changed",
        )
