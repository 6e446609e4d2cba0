"""The CV generated from the profile (issue 19): how long one costs.

Builds a fresh SQLite database with the real migrations and the reference catalogue, and
one student with a full CV (every module of a programme with the most modules, up to six of
them certified by her CETPRO — six QR codes —, the rest declared, 12 skills, 2 placements,
8 experiences of her own, a place and an availability). Then, in one process:

1. **page** — `generated_cv.build` (the reads) + the print document + its digest: what
   every request for the PDF pays before the cache, and all a 304 costs;
2. **pdf** — the same and WeasyPrint drawing the PDF, with the cache emptied before each
   run: a first request, or the first after an edit (the figure the ≤ 500 ms p95 target is
   about);
3. **cached** — the same request once the PDF is in the cache.

RUNS runs of each after one warm-up (the first imports WeasyPrint and parses cv.css), timed
by the wall clock and by this process's CPU time (what the other work on the machine's two
shared cores does not inflate). Prints the figures with the machine's load average before and
after; writes
bench/results/<date>-cv.json.

    .venv/bin/python bench/cv.py              # 200 runs of each
    .venv/bin/python bench/cv.py --runs 50
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import _load_average, _write_json, machine, percentile  # noqa: E402


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def make_student():
    """One student with everything a CV can show, as much as a real one would have."""
    from sqlalchemy import func, select

    from portal.certificates import services as certificates
    from portal.extensions import db
    from portal.models import Cetpro, Module, Placement, Programme, StudentProfile, StudentSkill, User
    from portal.profiles import cv_details

    programme = db.session.scalar(select(Programme).join(Module, Module.programme_id == Programme.id)
                                  .group_by(Programme.id).order_by(func.count(Module.id).desc(), Programme.id))
    cetpro = Cetpro(name="CETPRO Señor de los Milagros", codigo_modular="1234567", department_code="04",
                    province_code="0401", district_code="040103")
    db.session.add(cetpro)
    db.session.flush()
    coordinator = User(email="coordinacion@bench.pe", role="coordinator", first_names="Ana", last_names="Coordinadora",
                       cetpro_id=cetpro.id, email_confirmed_at=date(2026, 1, 1))
    student = User(email="maria.quispe@bench.pe", role="student", first_names="María Fernanda",
                   last_names="Quispe Huamán", phone="987654321", email_confirmed_at=date(2026, 1, 1))
    db.session.add_all([coordinator, student])
    db.session.flush()
    profile = StudentProfile(user_id=student.id, cetpro_id=cetpro.id, programme_id=programme.id,
                             level=programme.level, status="egresado", graduation_date=date(2025, 12, 15),
                             document_number="71234567", department_code="04", province_code="0401",
                             district_code="040103", availability="Lunes a sábado, turnos mañana o tarde; "
                             "puedo viajar dentro de Arequipa", verification_state="verified")
    profile.modules = list(programme.modules)
    db.session.add(profile)
    db.session.flush()
    for name in ("Soldadura MIG", "Soldadura TIG", "Lectura de planos", "Licencia A-I", "Excel básico",
                 "Atención al cliente", "Trabajo en altura", "Primeros auxilios", "Inventarios", "Quechua",
                 "Mantenimiento preventivo", "Seguridad industrial"):
        profile.skills.append(StudentSkill(normalized=name.lower(), name=name))
    db.session.commit()
    for index, module in enumerate(programme.modules[:6]):
        certificates.record(coordinator, profile.id, certificates.CertificateData(
            module.id, f"{index + 1:04d}-2025", date(2025, 12, 1) + timedelta(days=index)))
    for index, title in enumerate(("Soldador(a) auxiliar", "Practicante de mantenimiento")):
        db.session.add(Placement(student_id=profile.id, cetpro_id=cetpro.id, employer_name=f"Metalmecánica Sur {index}",
                                 job_title=title, kind="empleo" if index == 0 else "practicas_profesionales",
                                 source="manual", start_date=date(2025, 1 + index * 5, 10),
                                 end_date=date(2025, 4 + index * 5, 30)))
    db.session.commit()
    for index in range(8):
        cv_details.add_experience(profile, student, cv_details.ExperienceData(
            ("empleo", "practica", "independiente")[index % 3], f"Puesto número {index + 1} con un nombre largo",
            f"Empresa de servicios generales {index + 1} S.A.C.", date(2018 + index % 6, 1 + index, 1),
            date(2018 + index % 6, 2 + index, 28), "Mantenimiento de equipos, atención de pedidos y control de "
            "inventario en el almacén principal"), on=date(2026, 1, 1))
    return profile


def measure(runs: int) -> dict:
    from portal.profiles import generated_cv

    profile = make_student()
    key, content = generated_cv.pdf(generated_cv.build(profile))  # warm-up: imports, cv.css parsed
    figures = {"pdf_bytes": len(content), "certified_modules": sum(m.certified for m in
                                                                    generated_cv.build(profile).modules)}
    from io import BytesIO

    from pypdf import PdfReader

    figures["pdf_pages"] = len(PdfReader(BytesIO(content)).pages)

    def one(clear: bool, draw: bool) -> tuple[float, float]:
        """(wall, CPU) seconds of one request's work: the CPU time is this process's own, what
        the other processes sharing the machine's 2 cores do not add to."""
        if clear:
            generated_cv.cache.clear()
        started, cpu = time.perf_counter(), time.process_time()
        from portal.extensions import db

        db.session.expire_all()  # each request reads the database afresh
        key, document = generated_cv.drawn(generated_cv.build(profile))
        if draw:
            generated_cv.pdf_of(key, document)
        return time.perf_counter() - started, time.process_time() - cpu

    for name, clear, draw in (("page", False, False), ("pdf", True, True), ("cached", False, True)):
        runs_ = [one(clear, draw) for _ in range(runs)]
        wall, cpu = [w for w, _ in runs_], [c for _, c in runs_]
        figures[name] = {"runs": runs, "p50_ms": _ms(percentile(wall, 50)), "p95_ms": _ms(percentile(wall, 95)),
                         "max_ms": _ms(max(wall)), "cpu_p50_ms": _ms(percentile(cpu, 50)),
                         "cpu_p95_ms": _ms(percentile(cpu, 95))}
        print(f"{name}: {json.dumps(figures[name])}", flush=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from portal import create_app
    from portal.reference.seed import seed_reference

    result = {"machine": machine(), "load_average_start": _load_average()}
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/cv.db", "TESTING": True,
                          "BASE_URL": "https://enlace.example.pe"})
        with app.app_context():
            upgrade()
            seed_reference()
            result.update(measure(args.runs))
            from portal.extensions import db

            db.session.remove()
            db.engine.dispose()
    result["load_average_end"] = _load_average()
    path = _write_json(result, "-cv")
    print(json.dumps(result))
    print(f"JSON in {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
