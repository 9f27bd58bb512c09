"""Staff pages under /dashboard/."""

from django.urls import path

from . import (
    bulk,
    desk_views,
    export_views,
    map_views,
    queue_views,
    report_views,
    token_views,
    views,
)

app_name = "dashboard"
urlpatterns = [
    path("", queue_views.home, name="home"),
    path("massal/", bulk.bulk_action, name="bulk"),
    path("entri-cepat/", desk_views.quick_entry, name="quick_entry"),
    path("pelapor/", desk_views.reporters, name="reporters"),
    path("pelapor/<int:reporter_id>/", desk_views.reporter_detail, name="reporter"),
    path(
        "pelapor/<int:reporter_id>/gabung/<int:other_id>/",
        desk_views.reporter_merge_confirm,
        name="reporter_merge",
    ),
    path("kotak-masuk/", desk_views.inbox, name="inbox"),
    path("kotak-masuk/<int:message_id>/putar-ulang/", desk_views.inbox_replay, name="inbox_replay"),
    path("kotak-keluar/", desk_views.outbox, name="outbox"),
    path(
        "kotak-keluar/<int:message_id>/kirim-ulang/", desk_views.outbox_retry, name="outbox_retry"
    ),
    path("token-api/", token_views.api_tokens, name="api_tokens"),
    path("token-api/<int:token_id>/cabut/", token_views.api_token_revoke, name="api_token_revoke"),
    path("peta/", map_views.staff_map, name="map"),
    path("peta/data/", map_views.staff_map_data, name="map_data"),
    path("aduan/<str:tracking_code>/", views.complaint_detail, name="complaint"),
    path(
        "aduan/<str:tracking_code>/aksi/<slug:action>/",
        views.complaint_action,
        name="complaint_action",
    ),
    path("laporan/", report_views.index, name="reports"),
    path("laporan/<slug:name>/", report_views.section, name="report"),
    path("laporan/<slug:name>.<str:fmt>", report_views.section, name="report_export"),
    path("aduan.<str:fmt>", report_views.complaint_list_export, name="list_export"),
    path("ekspor/", export_views.export_jobs, name="export_jobs"),
    path("ekspor/<int:job_id>/", export_views.export_job, name="export_job"),
    path("ekspor/<int:job_id>/status/", export_views.export_job_status, name="export_status"),
    path("ekspor/<int:job_id>/unduh/", export_views.export_download, name="export_download"),
]
