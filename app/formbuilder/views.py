"""The form builder pages: list, create, copy, import, export, edit a draft, preview, publish, history."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.formbuilder import compose, compose_scoring, editor_input, services
from app.formbuilder.diff import diff_definitions
from app.formbuilder.services import BuilderError
from app.tenancy import acting_user
from forms.definition import DefinitionError, load_definition
from forms.lint import lint
from forms.rendering import build_form_class

RESOURCE = "Form builder"
RIGHT_LABELS = {"fill": _l("Fill in"), "view": _l("View"), "sign": _l("Sign")}


class FormBuilderView(BaseView):
    route_base = "/formbuilder"
    default_view = "list"
    class_permission_name = RESOURCE
    method_permission_name = {
        "list": "read", "export": "read", "preview": "read", "history": "read", "show": "read",
        "create": "write", "copy": "write", "import_file": "write", "archive": "write",
        "new_version": "write", "edit": "write", "settings": "write", "add_field": "write",
        "save_field": "write", "remove_field": "write", "move_field": "write", "order": "write",
        "scoring": "write", "permissions": "write", "publish": "write", "remove_extra": "write",
        "add_section": "write", "save_section": "write",
    }

    # ---- the list ---------------------------------------------------------------------------
    @expose("/")
    @has_access
    def list(self, status: int = 200, import_report=None, issues=None):
        return self.render_template(
            "formbuilder/list.html", forms=(forms := services.forms_by_key()), standards=services.standard_forms(),
            ownership=services.ownership(forms, acting_user()),
            kinds=compose.KINDS, import_report=import_report, issues=issues or [],
        ), status

    def _refused(self, exc: BuilderError, target=None):
        flash(exc.message, "danger")
        if target is None:
            return self.list(status=400, issues=exc.issues)
        return target

    @expose("/new", methods=["POST"])
    @has_access
    def create(self):
        form = request.form
        try:
            definition = compose.new_definition(form.get("key", "").strip(), form.get("title_en", ""),
                                                form.get("title_cy", ""), form.get("kind", "assessment"))
            record = services.create(definition, acting_user(), "create")
        except compose.ComposeError as exc:
            return self._problems(exc)
        except BuilderError as exc:
            return self._refused(exc)
        return redirect(url_for("FormBuilderView.edit", key=record.key, version=record.version))

    def _problems(self, exc: compose.ComposeError):
        for name, problem in exc.problems.items():
            flash(f"{name}: {problem}", "danger")
        return self.list(status=400)

    @expose("/copy", methods=["POST"])
    @has_access
    def copy(self):
        try:
            record = services.copy_form(request.form.get("source", ""), request.form.get("key", "").strip(),
                                        acting_user())
        except compose.ComposeError as exc:
            return self._problems(exc)
        except BuilderError as exc:
            return self._refused(exc)
        flash(str(_l("Copied as a new draft: adapt it, then publish.")), "info")
        return redirect(url_for("FormBuilderView.edit", key=record.key, version=record.version))

    @expose("/import", methods=["POST"])
    @has_access
    def import_file(self):
        upload = request.files.get("file")
        try:
            record, report = services.import_json(upload.read() if upload else b"", acting_user(),
                                                  request.form.get("key", "").strip())
        except compose.ComposeError as exc:
            return self._problems(exc)
        except BuilderError as exc:
            return self._refused(exc)
        flash(str(_l("Imported as a new draft.")), "info")
        if not report.ok:
            flash(str(_l("It has errors to put right before it can be published.")), "warning")
        return redirect(url_for("FormBuilderView.edit", key=record.key, version=record.version))

    @expose("/export/<key>/<int:version>")
    @has_access
    def export(self, key, version):
        record = self._version(key, version)
        body = json.dumps(record.definition, ensure_ascii=False, indent=2) + "\n"
        return Response(body, mimetype="application/json", headers={
            "Content-Disposition": f'attachment; filename="{record.key}_v{record.version}.json"'})

    @expose("/archive/<key>/<int:version>", methods=["POST"])
    @has_access
    def archive(self, key, version):
        try:
            services.archive(key, version, acting_user())
        except BuilderError as exc:
            return self._refused(exc)
        flash(str(_l("Version archived: it can no longer be chosen for new entries.")), "info")
        return redirect(url_for("FormBuilderView.list"))

    @expose("/new-version/<key>/<int:version>", methods=["POST"])
    @has_access
    def new_version(self, key, version):
        try:
            record = services.new_version(key, version, acting_user())
        except BuilderError as exc:
            return self._refused(exc)
        return redirect(url_for("FormBuilderView.edit", key=record.key, version=record.version))

    def _version(self, key, version):
        try:
            return services.get_version(key, version)
        except BuilderError:
            abort(404)

    # ---- a read-only version and its preview ---------------------------------------------------
    @expose("/show/<key>/<int:version>")
    @has_access
    def show(self, key, version):
        record = self._version(key, version)
        if record.status == "draft":
            return redirect(url_for("FormBuilderView.edit", key=key, version=version))
        return self.render_template("formbuilder/show.html", record=record,
                                    fields=compose.field_keys(record.definition))

    @expose("/preview/<key>/<int:version>")
    @has_access
    def preview(self, key, version):
        record = self._version(key, version)
        locale = "cy" if request.args.get("locale") == "cy" else "en-GB"
        try:
            definition = load_definition(record.definition)
            form = build_form_class(definition, locale)()
        except (DefinitionError, ValueError) as exc:
            return self.render_template("formbuilder/preview.html", record=record, form=None, error=str(exc)), 400
        return self.render_template("formbuilder/preview.html", record=record, form=form, locale=locale,
                                    error=None)

    # ---- the editor -------------------------------------------------------------------------------
    def _draft(self, key, version):
        try:
            return services.get_draft(key, version)
        except BuilderError as exc:
            if "No such" in exc.message:
                abort(404)
            flash(exc.message, "warning")
            return None

    @expose("/edit/<key>/<int:version>")
    @has_access
    def edit(self, key, version, status=200, problems=None, problem_field=None, issues=None):
        record = self._draft(key, version)
        if record is None:
            return redirect(url_for("FormBuilderView.show", key=key, version=version))
        definition = record.definition
        report = lint(definition)
        by_field = services.issues_by_field(report)
        for issue in issues or ():
            by_field.setdefault(issue.field.split(".")[0] if issue.field else None, []).append(issue)
        keys = compose.field_keys(definition)
        sections = [(p, s) for p in definition["x-layout"]["pages"] for s in p["sections"]]
        scoring = definition.get("x-scoring") or {}
        return self.render_template(
            "formbuilder/edit.html", record=record, definition=definition, report=report, by_field=by_field,
            fields={k: editor_input.field_rows(definition, k) for k in keys}, keys=keys, sections=sections,
            field_types=compose.FIELD_TYPES, type_label=compose.type_label, kinds=compose.KINDS,
            rule_ops=compose.RULE_OPS,
            scored={i["field"] for i in scoring.get("items", ())},
            scorable={k: compose_scoring.scorable(definition["properties"][k]) for k in keys}
            | {i["field"]: "rule" for i in scoring.get("items", ()) if isinstance(i.get("points"), dict)},
            bands=editor_input.band_rows(definition), unanswered=scoring.get("unanswered", "fail"),
            declared_range=scoring.get("range") or ["", ""],
            colours=compose.COLOURS, action_types=compose_scoring.ACTION_TYPES,
            urgencies=compose_scoring.URGENCIES, roles=self._role_names(),
            permissions=definition.get("x-permissions") or {}, rights=compose.RIGHTS,
            problems=problems or {}, problem_field=problem_field,
        ), status

    def _role_names(self):
        return sorted(role.name for role in self.appbuilder.sm.get_all_roles())

    def _apply(self, key, version, change, problem_field=None, action="save_draft", message=None):
        """Run an editor change on the draft and save it; problems are shown beside the form."""
        record = self._draft(key, version)
        if record is None:
            return redirect(url_for("FormBuilderView.show", key=key, version=version))
        try:
            definition = change(record.definition)
            services.save(definition, acting_user(), action)
        except compose.ComposeError as exc:
            flash(str(_l("Not saved: please correct the marked entries.")), "danger")
            return self.edit(key, version, status=400, problems=exc.problems, problem_field=problem_field)
        except BuilderError as exc:
            flash(exc.message, "danger")
            return self.edit(key, version, status=400, issues=exc.issues, problem_field=problem_field)
        if message:
            flash(str(message), "info")
        anchor = request.form.get("anchor") or ""
        target = url_for("FormBuilderView.edit", key=key, version=version)
        return redirect(target + (f"#{anchor}" if compose.KEY_RE.match(anchor) else ""))

    @expose("/edit/<key>/<int:version>/settings", methods=["POST"])
    @has_access
    def settings(self, key, version):
        record = self._draft(key, version)
        group_form = record is not None and record.owner_home_id is None

        def change(definition):
            if group_form and request.form.get("welsh_choice") and not request.form.get("welsh"):
                raise compose.ComposeError({"welsh": _l(
                    "the group’s library keeps its Welsh wording: only a home’s own forms can be English only")})
            return compose_scoring.update_settings(definition, request.form)

        return self._apply(key, version, change, message=_l("Saved."))

    @expose("/edit/<key>/<int:version>/add", methods=["POST"])
    @has_access
    def add_field(self, key, version):
        ftype = request.form.get("type", "text")
        if ftype not in compose.FIELD_TYPES:
            abort(400)
        return self._apply(key, version, lambda d: compose.add_field(d, ftype, request.form.get("section"))[0],
                           message=_l("Question added at the end."))

    @expose("/edit/<key>/<int:version>/field/<field>", methods=["POST"])
    @has_access
    def save_field(self, key, version, field):
        data = editor_input.field_input(request.form)
        return self._apply(key, version, lambda d: compose.update_field(d, field, data), problem_field=field,
                           message=_l("Question saved."))

    @expose("/edit/<key>/<int:version>/field/<field>/remove", methods=["POST"])
    @has_access
    def remove_field(self, key, version, field):
        return self._apply(key, version, lambda d: compose.remove_field(d, field), problem_field=field,
                           message=_l("Question removed."))

    @expose("/edit/<key>/<int:version>/field/<field>/move", methods=["POST"])
    @has_access
    def move_field(self, key, version, field):
        step = -1 if request.form.get("direction") == "up" else 1
        return self._apply(key, version, lambda d: compose.move_field(d, field, step), problem_field=field)

    @expose("/edit/<key>/<int:version>/order", methods=["POST"])
    @has_access
    def order(self, key, version):
        keys = [k for k in request.form.get("order", "").split(",") if k]
        return self._apply(key, version,
                           lambda d: compose.reorder_section(d, request.form.get("section", ""), keys))

    @expose("/edit/<key>/<int:version>/section/add", methods=["POST"])
    @has_access
    def add_section(self, key, version):
        form = request.form
        return self._apply(key, version, lambda d: compose.add_section(d, form.get("title_en", ""),
                                                                       form.get("title_cy", "")),
                           message=_l("Section added at the end."))

    @expose("/edit/<key>/<int:version>/section/<section>", methods=["POST"])
    @has_access
    def save_section(self, key, version, section):
        form = request.form
        return self._apply(key, version, lambda d: compose.update_section(
            d, section, form.get("title_en", ""), form.get("title_cy", ""), remove=bool(form.get("remove"))),
            message=_l("Saved."))

    @expose("/edit/<key>/<int:version>/extra/remove", methods=["POST"])
    @has_access
    def remove_extra(self, key, version):
        part, name = request.form.get("part", ""), request.form.get("name", "")
        return self._apply(key, version, lambda d: compose.remove_extra(d, part, name),
                           message=_l("Removed."))

    @expose("/edit/<key>/<int:version>/scoring", methods=["POST"])
    @has_access
    def scoring(self, key, version):
        def change(definition):
            old_bands = (definition.get("x-scoring") or {}).get("bands", ())
            scored, bands, unanswered, declared = editor_input.scoring_input(request.form, old_bands)
            return compose_scoring.update_scoring(definition, scored, bands, unanswered, declared)

        return self._apply(key, version, change, message=_l("Scoring saved."))

    @expose("/edit/<key>/<int:version>/permissions", methods=["POST"])
    @has_access
    def permissions(self, key, version):
        chosen = editor_input.permissions_input(request.form)
        roles = self._role_names()
        open_rights = [str(RIGHT_LABELS.get(right, right)) for right in compose.RIGHTS if not chosen.get(right)]
        message = _l("Permissions saved.")
        if open_rights:
            message = _l("Permissions saved. %(rights)s: no role ticked, so every role whose permissions "
                         "allow it may do this.", rights=", ".join(open_rights))
        return self._apply(key, version, lambda d: compose_scoring.update_permissions(d, chosen, roles),
                           message=message)

    @expose("/edit/<key>/<int:version>/publish", methods=["POST"])
    @has_access
    def publish(self, key, version):
        try:
            services.publish(key, version, acting_user())
        except BuilderError as exc:
            flash(exc.message, "danger")
            if self._draft(key, version) is None:
                return redirect(url_for("FormBuilderView.list"))
            return self.edit(key, version, status=400, issues=exc.issues)
        flash(str(_l("Published: this version is now frozen and can be filled in.")), "info")
        return redirect(url_for("FormBuilderView.history", key=key))

    # ---- history ------------------------------------------------------------------------------
    @expose("/history/<key>")
    @has_access
    def history(self, key):
        versions = services.forms_by_key().get(key)
        if not versions:
            abort(404)
        numbers = [v.version for v in versions]
        a, b = request.args.get("a", type=int), request.args.get("b", type=int)
        if a not in numbers or b not in numbers:
            a, b = (numbers[-2], numbers[-1]) if len(numbers) > 1 else (None, None)
        changes = None
        if a is not None:
            by_number = {v.version: v for v in versions}
            changes = diff_definitions(by_number[a].definition, by_number[b].definition)
        return self.render_template("formbuilder/history.html", key=key, versions=versions, a=a, b=b,
                                    changes=changes)


def register(appbuilder) -> None:
    appbuilder.add_view(
        FormBuilderView, RESOURCE, label=_l("Form builder"), icon="fa-wpforms", category="Forms",
        category_label=_l("Forms"), category_icon="fa-list-alt",
    )
