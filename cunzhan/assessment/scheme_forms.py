"""The scheme editor: the county's document as forms — one form per item (its name, maximum, sub-items and
deductions), the population bands and the grades as formsets (a row added or deleted), the daily-
supervision deductions, the periods and the order-integrity thresholds. The editor rebuilds the scheme's
data from what was typed, over the version it started from (so what the editor does not show — rule types,
sub-item keys, the half-years' months — is kept), and :mod:`cunzhan.assessment.scheme_validation` checks it
whole; each problem is shown on its field."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunzhan.assessment.scheme_table import INTEGRITY, RULE_PARAMS, SCOPES, SUPERVISION, bands_of, integrity_of, number
from cunzhan.assessment.scheme_validation import Problem, problems_of

SMALL = "form-control form-control-sm"


def _decimal_field(label: str, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        widget=forms.TextInput(attrs={"class": f"{SMALL} input-w-6", "inputmode": "decimal", "aria-label": label}),
    )


def _integer_field(label: str, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        widget=forms.TextInput(attrs={"class": f"{SMALL} input-w-6", "inputmode": "numeric", "aria-label": label}),
    )


def _text_field(label: str, max_length: int, css: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.TextInput(attrs={"class": f"{SMALL} {css}", "aria-label": label}),
    )


def _text(value: Decimal) -> str:
    """A decimal as the scheme stores it: a string without trailing zeros ("1.5", "10")."""
    return f"{value.normalize():f}"


class GeneralForm(forms.Form):
    name = _text_field(gettext_lazy("方案名称"), 128, "w-100")
    h1_weight = _decimal_field(gettext_lazy("半年考核权重"))
    h2_weight = _decimal_field(gettext_lazy("年终考核权重"))
    year_end_scope = forms.ChoiceField(
        label=gettext_lazy("年终考核的记录范围"),
        choices=list(SCOPES.items()),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    incubation_months = _integer_field(gettext_lazy("培育期（月）"))


class ItemForm(forms.Form):
    """One item: name, short name, maximum, each sub-item's name and maximum, each deduction."""

    def __init__(self, raw: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        self.raw = raw
        no = raw["no"]
        super().__init__(*args, prefix=f"item{no}", **kwargs)
        self.fields["name"] = _text_field(_("第%(no)s项名称") % {"no": no}, 64, "w-100")
        self.fields["short"] = _text_field(_("第%(no)s项简称") % {"no": no}, 16)
        self.fields["max"] = _decimal_field(_("第%(no)s项满分") % {"no": no})
        self.subs = []
        for sub in raw.get("sub", []):
            key = sub["key"]
            self.fields[f"sub_{key}_name"] = _text_field(_("子项名称"), 64, "w-100")
            self.fields[f"sub_{key}_max"] = _decimal_field(_("“%(name)s”满分") % {"name": sub["name"]})
            self.subs.append((key, f"sub_{key}_name", f"sub_{key}_max"))
        self.params = []
        for param in RULE_PARAMS.get(raw["rule"], ()):
            if param.name in raw:
                label = f"{param.before} … {param.after}"
                field = _integer_field(label) if param.integer else _decimal_field(label)
                self.fields[param.name] = field
                self.params.append(param)
        if not self.is_bound:
            self.initial = {
                "name": raw["name"],
                "short": raw.get("short") or raw["name"],
                "max": number(raw["max"]),
                **{f"sub_{s['key']}_name": s["name"] for s in raw.get("sub", [])},
                **{f"sub_{s['key']}_max": number(s["max"]) for s in raw.get("sub", [])},
                **{p.name: number(raw[p.name]) for p in self.params},
            }

    def sub_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[name], self[maximum]) for _key, name, maximum in self.subs]

    def param_rows(self) -> list[tuple[str, forms.BoundField, str]]:
        return [(str(p.before), self[p.name], str(p.after)) for p in self.params]

    def apply(self, raw: dict[str, Any]) -> None:
        data = self.cleaned_data
        raw["name"], raw["short"], raw["max"] = data["name"].strip(), data["short"].strip(), _text(data["max"])
        for sub in raw.get("sub", []):
            sub["name"] = data[f"sub_{sub['key']}_name"].strip()
            sub["max"] = _text(data[f"sub_{sub['key']}_max"])
        for param in self.params:
            value = data[param.name]
            raw[param.name] = value if param.integer else _text(value)

    def field_for(self, rest: str) -> str | None:
        """The field of a problem's path below ``items.<no>.``."""
        if rest in self.fields:
            return rest
        if rest.startswith("sub."):
            key, _sep, what = rest[4:].rpartition(".")
            name = f"sub_{key}_{what}"
            return name if name in self.fields else None
        return None


class BandForm(forms.Form):
    min_population = _integer_field(gettext_lazy("人口下限"))
    max_population = _integer_field(gettext_lazy("人口上限（最高一段不填）"), required=False)
    purchase = _integer_field(gettext_lazy("代购年目标（单）"))
    sale = _integer_field(gettext_lazy("代销年目标（单）"))


class GradeForm(forms.Form):
    name = _text_field(gettext_lazy("等级名称"), 8)
    min = _decimal_field(gettext_lazy("最低分"))


class RowFormSet(forms.BaseFormSet):
    """A table of rows: the spare row left blank is ignored, a row ticked 删除 is dropped."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("删除此行")
        form.fields["DELETE"].widget.attrs.update({"class": "form-check-input", "aria-label": _("删除此行")})

    def kept(self) -> list[forms.Form]:
        return [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]


BandFormSet = forms.formset_factory(BandForm, formset=RowFormSet, extra=1, can_delete=True)
GradeFormSet = forms.formset_factory(GradeForm, formset=RowFormSet, extra=1, can_delete=True)


class SupervisionForm(forms.Form):
    def __init__(self, points: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="sup", **kwargs)
        for key, label in SUPERVISION:
            if key in points:
                self.fields[key] = _decimal_field(str(label))
        if not self.is_bound:
            self.initial = {key: number(value) for key, value in points.items()}

    def rows(self) -> list[tuple[str, forms.BoundField]]:
        return [(str(label), self[key]) for key, label in SUPERVISION if key in self.fields]


class IntegrityForm(forms.Form):
    def __init__(self, values: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="int", **kwargs)
        for param in INTEGRITY:
            label = f"{param.before} … {param.after}"
            self.fields[param.name] = _integer_field(label) if param.integer else _decimal_field(label)
        if not self.is_bound:
            self.initial = {p.name: number(values.get(p.name)) for p in INTEGRITY}

    def rows(self) -> list[tuple[str, forms.BoundField, str]]:
        return [(str(p.before), self[p.name], str(p.after)) for p in INTEGRITY]


class SchemeEditor:
    """All the editor's forms over one scheme's data; :meth:`is_valid` builds the edited data and checks it."""

    def __init__(self, base: dict[str, Any], data: Any = None) -> None:
        self.base = base
        periods = base.get("periods", {})
        self.general = GeneralForm(
            data,
            initial={
                "name": base.get("name", ""),
                "h1_weight": number(periods.get("h1_weight", "0.5")),
                "h2_weight": number(periods.get("h2_weight", "0.5")),
                "year_end_scope": periods.get("year_end_scope", "second_half"),
                "incubation_months": base.get("incubation", {}).get("months", 6),
            },
            prefix="scheme",
        )
        self.items = [ItemForm(raw, data) for raw in sorted(base.get("items", []), key=lambda i: int(i["no"]))]
        self.bands = BandFormSet(
            data,
            prefix="band",
            initial=[
                {"min_population": b.min, "max_population": b.max, "purchase": b.purchase, "sale": b.sale}
                for b in bands_of(base)
            ],
        )
        self.grades = GradeFormSet(
            data,
            prefix="grade",
            initial=[{"name": g["name"], "min": number(g["min"])} for g in base.get("grades", [])],
        )
        self.supervision = SupervisionForm(base.get("supervision", {}), data)
        self.integrity = IntegrityForm(integrity_of(base), data)
        self.errors: dict[str, list[str]] = {}  # problems of the scheme as a whole, or of a whole table
        self.result: dict[str, Any] | None = None

    def forms(self) -> list[Any]:
        return [self.general, *self.items, self.bands, self.grades, self.supervision, self.integrity]

    def is_valid(self) -> bool:
        if not all(form.is_valid() for form in self.forms()):
            self.errors.setdefault("__all__", []).append(_("请改正下面标红的项。"))
            return False
        self.result = self.build()
        problems = problems_of(self.result)
        for problem in problems:
            self._attach(problem)
        return not problems

    def build(self) -> dict[str, Any]:
        data = copy.deepcopy(self.base)
        general = self.general.cleaned_data
        data["name"] = general["name"].strip()
        data.setdefault("periods", {})
        data["periods"]["h1_weight"] = _text(general["h1_weight"])
        data["periods"]["h2_weight"] = _text(general["h2_weight"])
        data["periods"]["year_end_scope"] = general["year_end_scope"]
        data.setdefault("incubation", {})["months"] = general["incubation_months"]
        by_no = {int(raw["no"]): raw for raw in data["items"]}
        for form in self.items:
            form.apply(by_no[int(form.raw["no"])])
        self._band_forms = self.bands.kept()
        data["targets"] = [
            {
                "min_population": f.cleaned_data["min_population"],
                **(
                    {"max_population": f.cleaned_data["max_population"]}
                    if f.cleaned_data["max_population"] is not None
                    else {}
                ),
                "purchase": f.cleaned_data["purchase"],
                "sale": f.cleaned_data["sale"],
            }
            for f in self._band_forms
        ]
        self._grade_forms = self.grades.kept()
        data["grades"] = [
            {"name": f.cleaned_data["name"].strip(), "min": _text(f.cleaned_data["min"])} for f in self._grade_forms
        ]
        data["supervision"] = {key: _text(value) for key, value in self.supervision.cleaned_data.items()}
        data["integrity"] = {
            p.name: value if p.integer else _text(value)
            for p in INTEGRITY
            if (value := self.integrity.cleaned_data[p.name]) is not None
        }
        return data

    def _attach(self, problem: Problem) -> None:
        """Show a problem on its field, else above its table, else above the editor."""
        head, _sep, rest = problem.path.partition(".")
        target: tuple[forms.Form, str | None] | None = None
        if head == "items" and rest != "total":
            no, _sep, field = rest.partition(".")
            form = next((f for f in self.items if str(f.raw["no"]) == no), None)
            if form is not None:
                target = (form, form.field_for(field))
        elif head == "targets" and rest:
            index, _sep, field = rest.partition(".")
            names = {"min": "min_population", "max": "max_population"}
            target = (self._band_forms[int(index)], names.get(field, field))
        elif head == "grades" and rest:
            index, _sep, field = rest.partition(".")
            target = (self._grade_forms[int(index)], field)
        elif head == "supervision":
            target = (self.supervision, rest)
        elif head == "integrity":
            target = (self.integrity, rest)
        elif head in ("name", "periods", "incubation") and problem.path != "periods":
            names = {"name": "name", "periods.h1_weight": "h1_weight", "periods.h2_weight": "h2_weight"}
            target = (self.general, names.get(problem.path, "incubation_months"))
        if target is not None and target[1] in target[0].fields:
            target[0].add_error(target[1], problem.message)
        else:
            self.errors.setdefault(head if head in ("items", "targets", "grades") else "__all__", []).append(
                problem.message
            )
