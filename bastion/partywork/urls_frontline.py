"""URLs of the front line: posts (党旗在一线), duty rosters and care (included by
partywork/urls.py under /party/)."""

from django.urls import path

from bastion.partywork import views_frontline as views

urlpatterns = [
    path("posts/", views.posts, name="frontline_posts"),
    path("posts/new/", views.post_new, name="frontline_post_new"),
    path("posts/<uuid:uid>/", views.post_detail, name="frontline_post"),
    path("posts/<uuid:uid>/members/add/", views.post_member_add, name="frontline_member_add"),
    path(
        "posts/<uuid:uid>/members/remove/",
        views.post_member_remove,
        name="frontline_member_remove",
    ),
    path("posts/<uuid:uid>/dissolve/", views.post_dissolve, name="frontline_post_dissolve"),
    path("duty/", views.roster, name="duty_roster"),
    path("duty/new/", views.shift_new, name="duty_shift_new"),
    path("duty/mine/", views.mine, name="duty_mine"),
    path("duty/share/", views.share, name="duty_share"),
    path("duty/<uuid:uid>/", views.shift_detail, name="duty_shift"),
    path("duty/<uuid:uid>/swap/", views.shift_swap, name="duty_shift_swap"),
    path("duty/<uuid:uid>/cancel/", views.shift_cancel, name="duty_shift_cancel"),
    path("duty/<uuid:uid>/check-in/", views.shift_check_in, name="duty_check_in"),
    path("duty/<uuid:uid>/check-out/", views.shift_check_out, name="duty_check_out"),
    path("care/", views.care, name="care"),
    path("care/new/", views.care_register, name="care_register"),
    path("care/equipment/", views.care_equipment, name="care_equipment"),
    path("care/<uuid:uid>/assign/", views.care_assign, name="care_assign"),
    path("care/<uuid:uid>/resolve/", views.care_resolve, name="care_resolve"),
]
