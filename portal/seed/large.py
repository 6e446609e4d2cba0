"""The national-scale data set of DESIGN.md §7, written with Core bulk inserts.

Rows are built as plain dicts with explicit primary keys (continuing from the current
maximum id) and inserted a few thousand at a time, parents before children, so the
whole set loads in well under a minute on SQLite. Only what later stages need is kept
in memory, as parallel lists indexed by position.
"""
from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from time import perf_counter

from sqlalchemy import insert, select, text

from portal import clock, links, places, versions, vocab
from portal.certificates.services import free_status_indexes, new_code
from portal.extensions import db
from portal.models import (
    Application,
    AuditEvent,
    Certificate,
    Cetpro,
    Company,
    CompanyMember,
    Convenio,
    Family,
    FollowUp,
    Module,
    Nomination,
    Notification,
    Opening,
    OpeningReport,
    OpeningRequirement,
    Placement,
    Programme,
    StudentProfile,
    StudentSkill,
    User,
    opening_cetpros,
    opening_programmes,
    student_modules,
)
from portal.openings import legal
from portal.seed.common import (
    AVAILABILITY,
    LEGAL_FORMS,
    SURNAMES,
    add_months,
    current_rmv,
    lawful_pay,
    max_id,
    normalize_skill,
    password_hash,
    person,
    ruc_from_body,
)

BASE_COUNTS = {
    "cetpros": 300,
    "students": 60_000,
    "companies": 3_000,
    "openings": 20_000,
    "applications": 200_000,
}
BATCH = 5_000
# Rows the set holds at scale 1 (1,054,013 counted on 2026-12-03, audit trail included, plus
# the certificates added since: 5,293 at scale 0.2, so ~26,465): what a progress bar over the
# inserted rows measures against, times the scale.
ROWS_AT_SCALE_1 = 1_080_478
DOMAIN = "@large.enlace.pe"

# Rough share of Peru's population by INEI department code (Lima ≈ 30 %).
DEPARTMENT_WEIGHTS = {
    "01": 4, "02": 11, "03": 4, "04": 15, "05": 6, "06": 14, "07": 10, "08": 13, "09": 4,
    "10": 7, "11": 9, "12": 13, "13": 19, "14": 12, "15": 100, "16": 9, "17": 2, "18": 2,
    "19": 3, "20": 20, "21": 12, "22": 9, "23": 4, "24": 2, "25": 6,
}

PATRONS = (
    "José Olaya", "Túpac Amaru", "Miguel Grau", "Francisco Bolognesi", "Andrés Avelino Cáceres",
    "María Parado de Bellido", "José Carlos Mariátegui", "César Vallejo", "Micaela Bastidas",
    "José María Arguedas", "Daniel Alcides Carrión", "Santa Rosa de Lima", "San Martín de Porres",
    "Señor de los Milagros", "Virgen de la Candelaria", "Inca Garcilaso de la Vega", "Jorge Basadre",
    "Ricardo Palma", "Nuestra Señora de Fátima", "Ramón Castilla", "Hipólito Unanue",
    "Juan Pablo Vizcardo y Guzmán", "Mercedes Cabello", "Don Bosco", "Sagrado Corazón de Jesús",
)

# Family name → (company name stems, sector label, free skills people list).
FAMILY_TRAITS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "Administración y Comercio": (("Distribuidora", "Comercial", "Inversiones"), "Comercio y servicios",
                                  ("Excel intermedio", "Facturación electrónica", "Atención al público")),
    "Actividades Agrarias": (("Agroindustrias", "Agrícola", "Fundo"), "Agricultura y ganadería",
                             ("Riego por goteo", "Manejo de tractor agrícola", "Quechua")),
    "Actividades Marítimo-Pesqueras": (("Pesquera", "Acuícola", "Conservera"), "Pesca y acuicultura",
                                       ("Buceo básico", "Cadena de frío")),
    "Artes Gráficas": (("Gráfica", "Imprenta", "Publicidad"), "Imprenta y publicidad",
                       ("Adobe Illustrator", "Photoshop", "Corel Draw")),
    "Artesanía y Manualidades": (("Artesanías", "Textiles Artesanales", "Cerámica"), "Artesanía",
                                 ("Ventas por redes sociales", "Teñido natural")),
    "Computación e Informática": (("Sistemas", "Soluciones Informáticas", "Tecnologías"),
                                  "Servicios informáticos", ("Python", "Soporte técnico", "Excel avanzado")),
    "Comunicación, Imagen y Sonido": (("Producciones", "Estudio", "Comunicaciones"), "Medios y comunicación",
                                      ("Edición con Premiere", "Manejo de drones")),
    "Construcción": (("Constructora", "Inmobiliaria", "Contratistas"), "Construcción",
                     ("Lectura de planos", "Trabajo en altura", "AutoCAD")),
    "Cuero y Calzado": (("Calzados", "Curtiembre", "Marroquinería"), "Cuero y calzado",
                        ("Aparado a máquina", "Control de calidad")),
    "Electricidad y Electrónica": (("Servicios Eléctricos", "Electromecánica", "Instalaciones Eléctricas"),
                                   "Instalaciones eléctricas y electrónicas",
                                   ("Lectura de planos eléctricos", "Trabajo en altura", "PLC básico")),
    "Estética Personal": (("Salón de Belleza", "Spa", "Estética"), "Estética y cuidado personal",
                          ("Atención al público", "Ventas de productos de belleza")),
    "Hostelería y Turismo": (("Hotel", "Restaurante", "Turismo"), "Hotelería, restaurantes y turismo",
                             ("Inglés intermedio", "Manipulación de alimentos", "Quechua")),
    "Industrias Alimentarias": (("Alimentos", "Panificadora", "Lácteos"), "Industria alimentaria",
                                ("Buenas prácticas de manufactura", "HACCP", "Manipulación de alimentos")),
    "Mecánica y Metales": (("Metalmecánica", "Maestranza", "Estructuras Metálicas"), "Metalmecánica",
                           ("Soldadura 3G", "Lectura de planos", "Torno CNC")),
    "Mecánica y Motores": (("Automotriz", "Servicentro", "Maquinarias"), "Mantenimiento automotriz y de maquinaria",
                           ("Licencia de conducir A-I", "Escáner automotriz", "Licencia de conducir A-IIb")),
    "Minería": (("Minera", "Servicios Mineros", "Contratas Mineras"), "Minería",
                ("Trabajo en altura", "Espacios confinados", "Licencia de conducir A-IIb")),
    "Química": (("Laboratorios", "Química", "Industrias"), "Industria química",
                ("Buenas prácticas de laboratorio", "Manejo de materiales peligrosos")),
    "Textil y Confección": (("Textil", "Confecciones", "Tejidos"), "Textil y confección",
                            ("Audaces", "Control de calidad textil", "Máquina recubridora")),
}
GENERIC_SKILLS = ("Trabajo en equipo", "Atención al público", "Excel básico", "Quechua", "Licencia de conducir A-I")
NAME_TAILS = ("del Sur", "Andina", "Los Andes", "del Norte", "del Pacífico", "Inca", "Continental",
              "Integral", "Perú", "Global", "Rímac", "Amazónica", "Titicaca", "Mantaro", "Chavín", "Moche")

KINDS = ("empleo", "practicas_preprofesionales", "practicas_profesionales", "aprendizaje_empresa",
         "capacitacion_juvenil", "pasantia")
KIND_WEIGHTS = (55, 15, 15, 6, 5, 4)
OPENING_STATES = ("published", "draft", "closed", "filled", "expired", "suspended")
OPENING_STATE_WEIGHTS = (70, 5, 8, 7, 8, 2)
APPLICANT_WEIGHT = {"published": 1.0, "filled": 1.4, "closed": 1.0, "expired": 0.7, "suspended": 0.4}
PUBLISHED_APPLICATION_STATES = ("received", "viewed", "in_review", "finalist", "rejected", "withdrawn", "hired")
PUBLISHED_APPLICATION_WEIGHTS = (30, 22, 18, 8, 14, 6, 2)
OPEN_REASONS = ("profile_mismatch", "missing_modules", "schedule", "location", "other")
# Jobs pay from one RMV up to about three (S/ 1,130–3,500 at today's RMV).
EMPLOYMENT_PAY_FACTORS = (1, 1.07, 1.15, 1.24, 1.33, 1.42, 1.6, 1.77, 1.95, 2.22, 2.48, 2.66, 3.1)
APPLICATIONS_PER_STUDENT = 25


def _cum(weights) -> list[float]:
    return list(accumulate(weights))


def _pick(rng: random.Random, items, cum: list[float]):
    return items[bisect(cum, rng.random() * cum[-1])]


def _lower_first(text_: str) -> str:
    return text_[:1].lower() + text_[1:]


class LargeBuilder:
    """Builds every table of the large set; `run()` returns row counts."""

    def __init__(self, scale: float = 1.0, echo: Callable[[str], None] | None = None, seed: int = 2026,
                 progress: Callable[[int], None] | None = None):
        self.rng = random.Random(seed)
        # Certificates draw from their own stream: the rest of the set is what it was without them.
        self.certificate_rng = random.Random(f"{seed}-certificates")
        self.progress = progress or (lambda rows: None)
        self.target = {key: max(1, round(value * scale)) for key, value in BASE_COUNTS.items()}
        self.echo = echo or (lambda line: None)
        self.started = perf_counter()
        self.counts: Counter[str] = Counter()
        self.today = clock.today()
        self.now = clock.utcnow().replace(microsecond=0)
        self.hash = password_hash()
        self.rmv = current_rmv()
        self.ids = {model: max_id(model) for model in (
            User, Cetpro, Company, CompanyMember, StudentProfile, Opening, OpeningRequirement,
            Application, Nomination, Placement, FollowUp, Convenio, OpeningReport, Notification, AuditEvent)}

    # --- plumbing --------------------------------------------------------------------

    def _id(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def _insert(self, table, rows: list[dict]) -> None:
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(table), rows[start:start + BATCH])
            self.progress(len(rows[start:start + BATCH]))
        self.counts[table.name] += len(rows)

    def _stage(self, label: str, **counts: int) -> None:
        db.session.commit()
        detail = ", ".join(f"{n:,} {name}".replace(",", " ") for name, n in counts.items())
        self.echo(f"[{perf_counter() - self.started:6.1f} s] {label}: {detail}")

    def _ago(self, low_days: float, high_days: float) -> datetime:
        return self.now - timedelta(seconds=int(self.rng.uniform(low_days, high_days) * 86400))

    def _place(self, department: str | None = None) -> tuple[str, str, str]:
        rng = self.rng
        if department is None:
            department = _pick(rng, self.departments, self.department_cum)
        provinces = self.provinces[department]
        # Half of everything happens in the department's capital province.
        province = provinces[0] if rng.random() < 0.5 else rng.choice(provinces)
        return department, province, rng.choice(self.districts[province])

    # --- stages --------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self._reference()
        self._cetpros()
        self._companies()
        self._students()
        self._openings()
        self._applications()
        self._placements()
        self._nominations()
        self._convenios_and_reports()
        self._finish()
        return dict(self.counts)

    def _reference(self) -> None:
        self.departments = [code for code, _ in places.departments()]
        self.department_cum = _cum(DEPARTMENT_WEIGHTS.get(code, 3) for code in self.departments)
        self.provinces = {d: [code for code, _ in places.provinces(d)] for d in self.departments}
        self.districts = {p: [code for code, _ in places.districts(p)]
                          for provinces in self.provinces.values() for p in provinces}
        self.families = {f.id: f.name for f in db.session.scalars(select(Family).order_by(Family.position))}
        self.family_ids = list(self.families)
        self.programmes = {p.id: p for p in db.session.scalars(select(Programme).order_by(Programme.id))}
        self.programme_ids = list(self.programmes)
        self.programmes_by_family: dict[int, list[int]] = {}
        for programme in self.programmes.values():
            self.programmes_by_family.setdefault(programme.family_id, []).append(programme.id)
        self.modules: dict[int, list[tuple[int, str]]] = {}
        for module in db.session.scalars(select(Module).order_by(Module.programme_id, Module.position)):
            self.modules.setdefault(module.programme_id, []).append((module.id, module.name))
        if not self.programmes or not self.modules:
            raise RuntimeError("Faltan los datos de referencia (familias, programas y módulos).")
        self.skills = {fid: tuple(dict.fromkeys(FAMILY_TRAITS.get(name, ((), "", ()))[2] + GENERIC_SKILLS))
                       for fid, name in self.families.items()}
        self.taken_codes = set(db.session.scalars(select(Cetpro.codigo_modular)))
        self.taken_rucs = set(db.session.scalars(select(Company.ruc)))
        self.taken_documents = set(db.session.execute(
            select(StudentProfile.document_type, StudentProfile.document_number)).tuples())

    def _users(self, rows: list[dict], role: str, local: str, first: str, last: str,
               cetpro_id: int | None = None, created: datetime | None = None) -> int:
        user_id = self._id(User)
        created = created or self._ago(30, 700)
        rows.append({
            "id": user_id, "email": f"{local}{DOMAIN}", "password_hash": self.hash, "role": role,
            "first_names": first, "last_names": last, "phone": f"9{self.rng.randrange(10**7, 10**8)}",
            "active": True, "cetpro_id": cetpro_id, "last_login_at": None, "session_version": 1,
            "created_at": created, "email_confirmed_at": created,
        })
        return user_id

    def _cetpros(self) -> None:
        rng, n = self.rng, self.target["cetpros"]
        codes = [c for c in (f"{v:07d}" for v in rng.sample(range(100_000, 10_000_000), n + 50 + len(self.taken_codes)))
                 if c not in self.taken_codes][:n]
        rows, users = [], []
        self.admin_id = self._users(users, "admin", f"admin{self.ids[User] + 1}", "Administración", "Nacional",
                                    created=self.now - timedelta(days=800))
        self.samples = {"admin": users[-1]["email"]}
        self.cetpro_ids, self.cetpro_place, self.cetpro_programmes = [], [], []
        self.coordinator_of: dict[int, int] = {}
        self.cetpros_by_department: dict[str, list[int]] = {}
        sizes = []
        for i in range(n):
            cetpro_id = self._id(Cetpro)
            department, province, district = self._place()
            pattern = rng.random()
            patron = rng.choice(PATRONS)
            if pattern < 0.35:
                name = f"CETPRO {patron}"
            elif pattern < 0.6:
                name = f"CETPRO Técnico Industrial {patron}"
            elif pattern < 0.8:
                name = f"CETPRO {places.name(district)}"
            else:
                name = f"CETPRO N.° {rng.randint(1, 120)} {patron}"
            rows.append({
                "id": cetpro_id, "name": name, "codigo_modular": codes[i], "department_code": department,
                "province_code": province, "district_code": district,
                "management": "publica" if rng.random() < 0.7 else "privada", "active": True,
                "created_at": self._ago(400, 900),
            })
            self.cetpro_ids.append(cetpro_id)
            self.cetpro_place.append((department, province))
            self.cetpro_programmes.append(rng.sample(self.programme_ids, rng.randint(4, min(9, len(self.programme_ids)))))
            self.cetpros_by_department.setdefault(department, []).append(cetpro_id)
            sizes.append(rng.uniform(0.3, 2.0))
            first, last, _ = person(rng)
            self.coordinator_of[cetpro_id] = self._users(users, "coordinator", f"coord{cetpro_id}", first, last,
                                                         cetpro_id=cetpro_id)
            self.samples.setdefault("coordinator", users[-1]["email"])
        self.cetpro_cum = _cum(sizes)
        self._insert(Cetpro.__table__, rows)
        self._insert(User.__table__, users)
        self._stage("CETPRO y coordinación", cetpros=len(rows), usuarios=len(users))

    def _companies(self) -> None:
        rng, n = self.rng, self.target["companies"]
        bodies = (ruc_from_body(b) for b in rng.sample(range(10_000_000, 60_000_000), n + 100 + len(self.taken_rucs)))
        rucs = [r for r in bodies if r not in self.taken_rucs][:n]
        companies, users, members = [], [], []
        self.company_ids, self.company_family, self.company_place = [], [], []
        self.company_name, self.company_ruc, self.company_creator = [], [], []
        self.verified_companies, activity = [], []
        for i in range(n):
            company_id = self._id(Company)
            family_id = rng.choice(self.family_ids)
            stems, sector, _ = FAMILY_TRAITS.get(self.families[family_id], (("Inversiones",), "Servicios", ()))
            department, province, district = self._place()
            tail = rng.random()
            if tail < 0.25:
                tail_text = f"{rng.choice(SURNAMES)} Hermanos"
            elif tail < 0.45:
                tail_text = places.name(department)
            else:
                tail_text = rng.choice(NAME_TAILS)
            trade = f"{rng.choice(stems)} {tail_text}"
            state = "verified" if rng.random() < 0.85 else ("unverified" if rng.random() < 0.67 else "rejected")
            created = self._ago(60, 800)
            companies.append({
                "id": company_id, "ruc": rucs[i], "legal_name": f"{trade} {rng.choice(LEGAL_FORMS)}",
                "trade_name": trade if rng.random() < 0.6 else None, "sector": sector,
                "department_code": department, "province_code": province, "district_code": district,
                "address": f"Av. {rng.choice(PATRONS)} {rng.randint(100, 3999)}", "website": None,
                "phone": f"9{rng.randrange(10**7, 10**8)}", "description": None, "logo_path": None,
                "verification_state": state,
                "verification_note": "No se pudo confirmar el RUC ni la dirección." if state == "rejected" else None,
                "verified_at": created + timedelta(days=3) if state == "verified" else None,
                "verified_by_id": self.admin_id if state == "verified" else None,
                "decided_by_admin": state != "unverified",
                "created_at": created,
            })
            self.company_ids.append(company_id)
            self.company_family.append(family_id)
            self.company_place.append((department, province, district))
            self.company_name.append(companies[-1]["legal_name"])
            self.company_ruc.append(rucs[i])
            if state == "verified":
                self.verified_companies.append(i)
                # A few companies post most of the openings.
                activity.append(rng.paretovariate(1.6))
            owner = None
            for k in range(2 if rng.random() < 0.3 else 1):
                member_id = self._id(CompanyMember)
                first, last, _ = person(rng)
                user_id = self._users(users, "employer", f"emp{member_id}", first, last, created=created)
                self.samples.setdefault("employer", users[-1]["email"])
                owner = owner or user_id
                members.append({"id": member_id, "company_id": company_id, "user_id": user_id,
                                "state": "active", "is_owner": k == 0, "created_at": created})
            self.company_creator.append(owner)
        self.activity_cum = _cum(activity) if activity else []
        self._insert(Company.__table__, companies)
        self._insert(User.__table__, users)
        self._insert(CompanyMember.__table__, members)
        self._stage("Empresas", empresas=len(companies), usuarios=len(users))

    def _students(self) -> None:
        rng, n = self.rng, self.target["students"]
        dnis = iter(rng.sample(range(40_000_000, 80_000_000), n + 1000 + len(self.taken_documents)))
        self.st_profile, self.st_user, self.st_cetpro, self.st_family, self.st_group = [], [], [], [], []
        self.pools: dict[tuple, list[int]] = {}
        statuses, status_cum = ("estudiante", "egresado", "titulado"), _cum((45, 40, 15))
        codes: set[str] = set(db.session.scalars(select(Certificate.code)))
        self.status_taken: set[int] = set(db.session.scalars(select(Certificate.status_index)))
        for start in range(0, n, BATCH):
            users, profiles, modules, skills, certificates = [], [], [], [], []
            for _ in range(start, min(n, start + BATCH)):
                c = bisect(self.cetpro_cum, rng.random() * self.cetpro_cum[-1])
                cetpro_id = self.cetpro_ids[c]
                programme = self.programmes[rng.choice(self.cetpro_programmes[c])]
                status = _pick(rng, statuses, status_cum)
                graduation = None
                group = "E"
                if status == "egresado":
                    graduation = self.today - timedelta(days=rng.randint(20, 900))
                elif status == "titulado":
                    graduation = self.today - timedelta(days=rng.randint(180, 1500))
                if graduation is not None:
                    group = "R" if graduation >= self.today - timedelta(days=365) else "O"
                if rng.random() < 0.02:  # carné de extranjería, mostly Venezuelan migrants
                    document = ("ce", f"00{rng.randrange(10**7, 10**8)}")
                else:
                    document = ("dni", str(next(dnis)))
                while document in self.taken_documents:
                    document = ("dni", str(next(dnis)))
                self.taken_documents.add(document)
                profile_id = self._id(StudentProfile)
                first, last, _ = person(rng)
                created = datetime.combine(graduation or self.today, datetime.min.time()) - timedelta(
                    days=rng.randint(30, 700))
                user_id = self._users(users, "student", f"est{profile_id}", first, last, created=created)
                self.samples.setdefault("student", users[-1]["email"])
                department, province = self.cetpro_place[c]
                if rng.random() < 0.9:
                    district = rng.choice(self.districts[province])
                else:
                    department, province, district = self._place()
                level = programme.level
                if level == "tecnico" and status == "estudiante" and rng.random() < 0.3:
                    level = "auxiliar_tecnico"
                verification = "verified" if rng.random() < 0.85 else ("pending" if rng.random() < 0.85 else "rejected")
                profiles.append({
                    "id": profile_id, "user_id": user_id, "cetpro_id": cetpro_id, "programme_id": programme.id,
                    "level": level, "status": status, "graduation_date": graduation,
                    "document_type": document[0], "document_number": document[1],
                    "birth_date": self.today - timedelta(days=rng.randint(17 * 365, 45 * 365)),
                    "department_code": department, "province_code": province, "district_code": district,
                    "availability": rng.choice(AVAILABILITY), "open_to_offers": rng.random() < 0.9,
                    "verification_state": verification,
                    "verification_note": "No figura en el registro de matrícula." if verification == "rejected" else None,
                    "cv_path": None, "cv_uploaded_at": None, "updated_at": created,
                })
                own = self.modules.get(programme.id, [])
                if status == "estudiante":
                    certified = own[: rng.randint(0, max(0, len(own) - 1))]
                else:
                    certified = own if rng.random() < 0.6 else rng.sample(own, max(1, len(own) - 1))
                modules.extend({"student_id": profile_id, "module_id": m[0]} for m in certified)
                certificates.extend(self._certificates(profile_id, cetpro_id, status, graduation, certified, codes))
                if rng.random() < 0.35:
                    for name in rng.sample(self.skills[programme.family_id], rng.randint(1, 3)):
                        skills.append({"student_id": profile_id, "normalized": normalize_skill(name), "name": name})
                index = len(self.st_profile)
                self.st_profile.append(profile_id)
                self.st_user.append(user_id)
                self.st_cetpro.append(cetpro_id)
                self.st_family.append(programme.family_id)
                self.st_group.append(group)
                for key in ((programme.family_id, department, group), (programme.family_id, department),
                            (programme.family_id, group), (programme.family_id,)):
                    self.pools.setdefault(key, []).append(index)
            self._insert(User.__table__, users)
            self._insert(StudentProfile.__table__, profiles)
            self._insert(student_modules, modules)
            self._insert(StudentSkill.__table__, skills)
            self._insert(Certificate.__table__, certificates)
            db.session.commit()
        self._stage("Estudiantes", estudiantes=n, módulos=self.counts["student_modules"],
                    habilidades=self.counts["student_skills"], certificados=self.counts["certificates"])

    def _certificates(self, profile_id: int, cetpro_id: int, status: str, graduation: date | None,
                      declared: list, codes: set[str]) -> list[dict]:
        """A third of the graduates hold certificados modulares for some of the modules they
        declared (one in fifty revoked), so matching weighs certified against declared at
        scale. Numbers carry the student's id: unique within the CETPRO."""
        rng = self.certificate_rng
        if status == "estudiante" or not declared or rng.random() >= 0.35:
            return []
        rows = []
        for k, module in enumerate(rng.sample(declared, rng.randint(1, len(declared)))):
            while (code := new_code(rng)) in codes:
                pass
            codes.add(code)
            revoked = rng.random() < 0.02
            issued = graduation - timedelta(days=rng.randint(0, 60))
            rows.append({
                "code": code, "student_id": profile_id, "module_id": module[0], "cetpro_id": cetpro_id,
                "number": f"{profile_id}-{k + 1}", "issued_on": issued, "state": "revocado" if revoked else "vigente",
                "recorded_by_id": self.coordinator_of[cetpro_id], "created_at": self.now,
                "revoked_at": self.now if revoked else None,
                "revoked_by_id": self.coordinator_of[cetpro_id] if revoked else None,
                "revoke_reason": "Registro duplicado." if revoked else None,
            })
        # Their places in the credentials' status lists: drawn as the portal draws them, from
        # the seed's stream (no statement per row).
        for certificate, index in zip(rows, free_status_indexes(len(rows), rng, self.status_taken), strict=True):
            certificate["status_index"] = index
            self.status_taken.add(index)
        return rows

    def _hours_and_pay(self, kind: str) -> tuple[Decimal, Decimal, Decimal]:
        rng = self.rng
        if kind == "empleo":
            day, week = rng.choice(((8, 48), (8, 48), (8, 48), (8, 40), (6, 36)))
            pay = lawful_pay(kind, Decimal(week), self.rmv, rng.choice(EMPLOYMENT_PAY_FACTORS))
            return Decimal(day), Decimal(week), min(pay, Decimal(3500))
        if legal.MAX_HOURS[kind][1] <= 30:
            day, week = rng.choice(((6, 30), (6, 30), (5, 25), (4, 20)))
        else:
            day, week = rng.choice(((8, 48), (8, 48), (8, 40), (6, 30)))
        pay = lawful_pay(kind, Decimal(week), self.rmv, rng.choice((1, 1, 1, 1.05, 1.1, 1.2)))
        return Decimal(day), Decimal(week), pay

    def _title(self, kind: str, programme: str, module: str) -> str:
        rng = self.rng
        p, m = _lower_first(programme), _lower_first(module)
        if kind == "empleo":
            return rng.choice((f"Técnico(a) en {p}", f"Operario(a) de {m}", f"Asistente de {m}",
                               f"Especialista en {m}", f"Auxiliar de {p}"))
        return {
            "practicas_preprofesionales": f"Practicante preprofesional de {p}",
            "practicas_profesionales": f"Practicante profesional de {p}",
            "aprendizaje_empresa": f"Aprendiz de {m}",
            "capacitacion_juvenil": f"Capacitación laboral juvenil en {p}",
            "pasantia": f"Pasantía en {m}",
        }[kind]

    def _openings(self) -> None:
        rng, n = self.rng, self.target["openings"]
        state_cum, kind_cum = _cum(OPENING_STATE_WEIGHTS), _cum(KIND_WEIGHTS)
        all_companies = range(len(self.company_ids))
        self.op: list[tuple] = []  # (id, family, department, state, kind, company, published, end, start, title, pay, vacancies)
        for start_index in range(0, n, BATCH):
            openings, requirements, accepted, targeted = [], [], [], []
            for _ in range(start_index, min(n, start_index + BATCH)):
                state = _pick(rng, OPENING_STATES, state_cum)
                if state != "draft" and not self.verified_companies:
                    state = "draft"
                if state == "draft":
                    c = rng.choice(all_companies)
                else:
                    c = self.verified_companies[bisect(self.activity_cum, rng.random() * self.activity_cum[-1])]
                family_id = self.company_family[c] if rng.random() < 0.9 else rng.choice(self.family_ids)
                programme = self.programmes[rng.choice(self.programmes_by_family[family_id])]
                own = self.modules.get(programme.id, [])
                kind = _pick(rng, KINDS, kind_cum)
                if rng.random() < 0.85:
                    department, province, district = self.company_place[c]
                else:
                    department, province, district = self._place()
                work_mode = rng.choices(("presencial", "hibrido", "remoto"), (80, 12, 8))[0]
                per_day, per_week, pay = self._hours_and_pay(kind)
                published = closed = None
                reason = None
                if state == "published":
                    published = self._ago(0, 60)
                    deadline = self.today + timedelta(days=rng.randint(1, 60))
                elif state == "draft":
                    deadline = self.today + timedelta(days=rng.randint(15, 75))
                elif state == "expired":
                    published = self._ago(40, 300)
                    deadline = min(published.date() + timedelta(days=rng.randint(15, 35)),
                                   self.today - timedelta(days=1))
                elif state == "suspended":
                    published = self._ago(5, 90)
                    deadline = published.date() + timedelta(days=rng.randint(15, 60))
                    reason = "Suspendida tras una denuncia: se está revisando si cobra a los postulantes."
                else:
                    published = self._ago(30, 540)
                    deadline = min(published.date() + timedelta(days=rng.randint(10, 30)),
                                   self.today - timedelta(days=1))
                    closed = datetime.combine(deadline, datetime.min.time()) + timedelta(
                        hours=rng.randint(10, 240))
                    closed = min(closed, self.now)
                start = (closed.date() if closed else deadline) + timedelta(days=rng.randint(7, 20))
                module_name = rng.choice(own)[1] if own else programme.name
                title = self._title(kind, programme.name, module_name)
                opening_id = self._id(Opening)
                created = (published or self._ago(0, 30)) - timedelta(hours=rng.randint(1, 72))
                k_req = rng.randint(1, min(3, len(own))) if own else 0
                picked = rng.sample(own, min(len(own), k_req + rng.randint(0, 2)))
                names = [name for _, name in picked]
                description = (
                    f"{self.company_name[c]} busca {_lower_first(title)} en {places.name(province)}. "
                    f"Funciones: {', '.join(_lower_first(x) for x in names[:2]) or 'las propias del puesto'}. "
                    "Ofrecemos capacitación, buen ambiente y pago puntual."
                )
                openings.append({
                    "id": opening_id, "company_id": self.company_ids[c], "created_by_id": self.company_creator[c],
                    "title": title, "description": description, "kind": kind, "family_id": family_id,
                    "department_code": department, "province_code": province, "district_code": district,
                    "work_mode": work_mode, "hours_per_day": per_day, "hours_per_week": per_week,
                    "pay_monthly": pay, "vacancies": rng.choice((1, 1, 1, 1, 2, 2, 3, 4, 5, 10)),
                    "start_date": start, "deadline": deadline, "targets_all_cetpros": True, "state": state,
                    "state_reason": reason, "published_at": published, "closed_at": closed,
                    "updated_at": closed or published or created, "version": 1, "created_at": created,
                })
                for position, (module_id, _) in enumerate(picked):
                    requirements.append({"id": self._id(OpeningRequirement), "opening_id": opening_id,
                                         "required": position < k_req, "module_id": module_id,
                                         "skill": None, "skill_normalized": None})
                if rng.random() < 0.25:
                    skill = rng.choice(self.skills[family_id])
                    requirements.append({"id": self._id(OpeningRequirement), "opening_id": opening_id,
                                         "required": rng.random() < 0.4, "module_id": None,
                                         "skill": skill, "skill_normalized": normalize_skill(skill)})
                if rng.random() < 0.3:
                    extra = {programme.id, rng.choice(self.programmes_by_family[family_id])}
                    if rng.random() < 0.2:
                        extra.add(rng.choice(self.programme_ids))
                    accepted.extend({"opening_id": opening_id, "programme_id": p} for p in sorted(extra))
                if rng.random() < 0.1:
                    nearby = self.cetpros_by_department.get(department) or self.cetpro_ids
                    chosen = rng.sample(nearby, min(len(nearby), rng.randint(1, 3)))
                    openings[-1]["targets_all_cetpros"] = False
                    targeted.extend({"opening_id": opening_id, "cetpro_id": cid} for cid in chosen)
                end = min(self.now, closed or self.now,
                          datetime.combine(deadline, datetime.min.time()) + timedelta(hours=18))
                self.op.append((opening_id, family_id, department, state, kind, c, published, end, start,
                                title, pay, openings[-1]["vacancies"]))
            self._insert(Opening.__table__, openings)
            self._insert(OpeningRequirement.__table__, requirements)
            self._insert(opening_programmes, accepted)
            self._insert(opening_cetpros, targeted)
            db.session.commit()
        self._stage("Ofertas", ofertas=n, requisitos=self.counts["opening_requirements"])

    def _applicants(self, family_id: int, department: str, kind: str, k: int, cap: int | None = None) -> list[int]:
        """k distinct students: mostly same trade and department, then same trade, then anyone.

        With `cap`, students who already have that many applications are passed over
        (a small trade in a small department would otherwise apply to everything).
        """
        rng = self.rng
        load = self.st_load
        group = {"practicas_preprofesionales": "E", "practicas_profesionales": "R"}.get(kind)
        local = self.pools.get((family_id, department, group) if group else (family_id, department), [])
        wider = self.pools.get((family_id, group) if group else (family_id,), [])
        total = len(self.st_profile)
        k = min(k, total)
        chosen = {i for i in rng.sample(local, min(len(local), round(k * 0.7))) if cap is None or load[i] < cap}
        attempts = 0
        while len(chosen) < k and attempts < 20 * k:
            attempts += 1
            if wider and rng.random() < 0.85:
                index = wider[rng.randrange(len(wider))]
            else:
                index = rng.randrange(total)
            if cap is None or load[index] < cap:
                chosen.add(index)
        if len(chosen) < k:
            for index in rng.sample(range(total), total):
                chosen.add(index)
                if len(chosen) == k:
                    break
        return list(chosen)

    def _applications(self) -> None:
        rng = self.rng
        target = self.target["applications"]
        live = [i for i, o in enumerate(self.op) if o[3] != "draft"]
        weights = [APPLICANT_WEIGHT[self.op[i][3]] * (rng.expovariate(1.0) + 0.2) for i in live]
        total_weight = sum(weights) or 1.0
        quotas = [int(target * w / total_weight) for w in weights]
        cum = _cum(weights)
        for _ in range(target - sum(quotas)):
            quotas[bisect(cum, rng.random() * cum[-1])] += 1
        published_cum = _cum(PUBLISHED_APPLICATION_WEIGHTS)
        self.st_load = [0] * len(self.st_profile)
        self.hired: list[tuple[int, int, int, datetime]] = []  # (application id, opening pos, student pos, when)
        rows, notifications, events = [], [], []
        applications_page = links.path("students.applications")

        def event(actor_id, action, application_id, when):
            events.append({"id": self._id(AuditEvent), "actor_id": actor_id, "action": action,
                           "object_type": "Application", "object_id": application_id, "data": None,
                           "created_at": when})

        for position, quota in zip(live, quotas, strict=True):
            if quota == 0:
                continue
            opening_id, family_id, department, state, kind, _c, published, end, *_rest = self.op[position]
            vacancies = self.op[position][11]
            span = max(3600, int((end - published).total_seconds()))
            hired = 0
            for student in self._applicants(family_id, department, kind, quota, cap=APPLICATIONS_PER_STUDENT):
                self.st_load[student] += 1
                reason = None
                if state == "published":
                    app_state = _pick(rng, PUBLISHED_APPLICATION_STATES, published_cum)
                elif state == "filled":
                    if hired < vacancies and rng.random() < 0.5:
                        app_state = "hired"
                    else:
                        app_state = "withdrawn" if rng.random() < 0.08 else "rejected"
                        reason = "position_filled" if rng.random() < 0.5 else "process_finished"
                elif state == "closed":
                    app_state = "withdrawn" if rng.random() < 0.1 else "rejected"
                    reason = "process_finished"
                elif state == "expired":
                    app_state = rng.choices(("received", "viewed", "rejected", "withdrawn"), (40, 30, 20, 10))[0]
                else:
                    app_state = "received" if rng.random() < 0.6 else "viewed"
                if app_state == "hired":
                    if hired >= vacancies:
                        app_state = "finalist"
                    hired += 1
                if app_state == "rejected" and reason is None:
                    reason = rng.choice(OPEN_REASONS)
                # random() rather than randrange(span): the draws must not depend on the clock.
                created = published + timedelta(seconds=int(rng.random() * span))
                viewed = None
                if app_state not in ("received", "withdrawn") or (app_state == "withdrawn" and rng.random() < 0.5):
                    viewed = min(self.now, created + timedelta(hours=rng.randint(1, 96)))
                changed = min(self.now, (viewed or created) + timedelta(hours=rng.randint(0, 120)))
                application_id = self._id(Application)
                rows.append({
                    "id": application_id, "opening_id": opening_id, "student_id": self.st_profile[student],
                    "state": app_state, "message": None, "rejection_reason": reason if app_state == "rejected" else None,
                    "rejection_note": None, "employer_notes": None, "viewed_at": viewed,
                    "state_changed_at": changed, "nudged_at": None, "version": 1, "created_at": created,
                })
                # The audit trail as the portal writes it: the student's application, then
                # the last move (by the student for a withdrawal, else by the company's owner).
                event(self.st_user[student], "application.created", application_id, created)
                if app_state == "withdrawn":
                    event(self.st_user[student], "application.withdrawn", application_id, changed)
                elif app_state != "received":
                    event(self.company_creator[self.op[position][5]], f"application.{app_state}",
                          application_id, changed)
                if app_state == "hired":
                    self.hired.append((application_id, position, student, changed))
                if app_state != "received" and rng.random() < 0.3:
                    notifications.append({
                        "id": self._id(Notification), "user_id": self.st_user[student],
                        "kind": "application-updated",
                        "message": f"Tu postulación a «{self.op[position][9]}» está en estado: "
                                   f"{vocab.APPLICATION_STATES[app_state]}.",
                        "url": applications_page,
                        "read_at": changed + timedelta(hours=5) if rng.random() < 0.6 else None,
                        "created_at": changed,
                    })
            if len(rows) >= BATCH:
                self._insert(Application.__table__, rows)
                self._insert(AuditEvent.__table__, events)
                rows, events = [], []
        self._insert(Application.__table__, rows)
        self._insert(AuditEvent.__table__, events)
        self._insert(Notification.__table__, notifications)
        self._stage("Postulaciones", postulaciones=self.counts["applications"],
                    notificaciones=len(notifications), auditoria=self.counts["audit_events"])

    def _follow_ups(self, rows: list[dict], placement_id: int, start: date, cetpro_id: int, employer: str) -> None:
        rng = self.rng
        for months in vocab.FOLLOW_UP_MONTHS:
            due = add_months(start, months)
            if due > self.today:
                break
            answered = due <= self.today - timedelta(days=21) and rng.random() < 0.8
            answer = rng.choices(tuple(vocab.FOLLOW_UP_ANSWERS), (70, 20, 10))[0] if answered else None
            at = datetime.combine(due, datetime.min.time())
            rows.append({
                "id": self._id(FollowUp), "placement_id": placement_id, "months": months, "due_date": due,
                "answer": answer,
                "current_employer": employer if answer == "still_there" else None,
                "answered_at": at + timedelta(days=rng.randint(1, 15)) if answered else None,
                "answered_by_id": self.coordinator_of[cetpro_id] if answered else None,
                "emailed_at": at + timedelta(hours=9), "created_at": at,
            })

    def _placements(self) -> None:
        rng = self.rng
        rows, follow_ups = [], []
        for application_id, position, student, changed in self.hired:
            opening = self.op[position]
            c = opening[5]
            placement_id = self._id(Placement)
            cetpro_id = self.st_cetpro[student]
            formative = opening[4] != "empleo"
            rows.append({
                "id": placement_id, "student_id": self.st_profile[student], "cetpro_id": cetpro_id,
                "application_id": application_id, "company_id": self.company_ids[c],
                "employer_name": self.company_name[c], "employer_ruc": self.company_ruc[c],
                "job_title": opening[9], "kind": opening[4], "source": "portal", "start_date": opening[8],
                "end_date": None, "pay_min": opening[10], "pay_max": opening[10],
                "department_code": opening[2], "evidence_path": None,
                "agreement_signed_on": opening[8] - timedelta(days=3) if formative else None,
                "agreement_registered_on": opening[8] + timedelta(days=10) if formative and rng.random() < 0.6 else None,
                "recorded_by_id": None, "created_at": changed,
            })
            self._follow_ups(follow_ups, placement_id, opening[8], cetpro_id, self.company_name[c])
        self.cetpro_department = {cid: place[0] for cid, place in zip(self.cetpro_ids, self.cetpro_place, strict=True)}
        graduates = [i for i, g in enumerate(self.st_group) if g != "E"]
        manual = rng.sample(graduates, min(len(graduates), round(len(self.st_profile) * 0.01)))
        for student in manual:
            placement_id = self._id(Placement)
            cetpro_id = self.st_cetpro[student]
            start = self.today - timedelta(days=rng.randint(10, 500))
            employer = f"{rng.choice(('Taller', 'Negocio', 'Comercial', 'Servicios'))} {rng.choice(SURNAMES)}"
            pay = Decimal(rng.choice((1130, 1200, 1300, 1500, 1800)))
            rows.append({
                "id": placement_id, "student_id": self.st_profile[student], "cetpro_id": cetpro_id,
                "application_id": None, "company_id": None, "employer_name": employer, "employer_ruc": None,
                "job_title": "Técnico(a) de " + _lower_first(self.families[self.st_family[student]]),
                "kind": "empleo", "source": "manual", "start_date": start, "end_date": None,
                "pay_min": pay, "pay_max": pay, "department_code": self.cetpro_department[cetpro_id],
                "evidence_path": None, "agreement_signed_on": None, "agreement_registered_on": None,
                "recorded_by_id": self.coordinator_of[cetpro_id],
                "created_at": datetime.combine(start, datetime.min.time()) + timedelta(days=5),
            })
            self._follow_ups(follow_ups, placement_id, start, cetpro_id, employer)
        self._insert(Placement.__table__, rows)
        self._insert(FollowUp.__table__, follow_ups)
        self._stage("Colocaciones", colocaciones=len(rows), seguimientos=len(follow_ups))

    def _nominations(self) -> None:
        rng = self.rng
        rows = []
        notes = ("Cumple los módulos que piden y vive cerca.", "Muy responsable en sus prácticas del CETPRO.",
                 "Destacó en el taller; la (lo) recomendamos.")
        for opening_id, family_id, department, state, kind, _c, published, *_ in self.op:
            if state != "published" or rng.random() > 0.25:
                continue
            for student in set(self._applicants(family_id, department, kind, rng.randint(1, 2))):
                cetpro_id = self.st_cetpro[student]
                created = min(self.now, published + timedelta(hours=rng.randint(4, 200)))
                rows.append({
                    "id": self._id(Nomination), "opening_id": opening_id, "student_id": self.st_profile[student],
                    "cetpro_id": cetpro_id, "nominated_by_id": self.coordinator_of[cetpro_id],
                    "note": rng.choice(notes),
                    "invited_at": min(self.now, created + timedelta(hours=12)) if rng.random() < 0.3 else None,
                    "created_at": created,
                })
        self._insert(Nomination.__table__, rows)
        self._stage("Recomendaciones", recomendaciones=len(rows))

    def _convenios_and_reports(self) -> None:
        rng = self.rng
        n = max(1, round(self.target["cetpros"] * 10 / 3))
        companies_by_department: dict[str, list[int]] = {}
        for i, place in enumerate(self.company_place):
            companies_by_department.setdefault(place[0], []).append(i)
        pairs: set[tuple[int, int]] = set()
        convenios = []
        for _ in range(n):
            c = rng.randrange(len(self.cetpro_ids))
            nearby = companies_by_department.get(self.cetpro_place[c][0]) or range(len(self.company_ids))
            pair = (self.cetpro_ids[c], self.company_ids[rng.choice(nearby)])
            if pair in pairs:
                continue
            pairs.add(pair)
            state = rng.choices(("active", "proposed", "ended", "rejected"), (60, 20, 15, 5))[0]
            start = self.today - timedelta(days=rng.randint(-30, 900))
            end = start + timedelta(days=rng.choice((365, 730, 1095)))
            if state == "ended":
                end = min(end, self.today - timedelta(days=1))
                start = min(start, end)
            convenios.append({
                "id": self._id(Convenio), "cetpro_id": pair[0], "company_id": pair[1],
                "kind": rng.choice(tuple(vocab.CONVENIO_KINDS)), "state": state,
                "proposed_by": rng.choice(tuple(vocab.CONVENIO_PARTIES)), "start_date": start, "end_date": end,
                "places_per_term": rng.choice((None, 2, 4, 6, 10)), "notes": None, "pdf_path": None,
                "accepted_at": datetime.combine(start, datetime.min.time()) if state in ("active", "ended") else None,
                "end_warning_sent_at": None,
                "created_at": datetime.combine(min(start, self.today), datetime.min.time()) - timedelta(days=10),
            })
        reports = []
        for opening_id, _f, _d, state, *_ in self.op:
            if (state == "suspended" and rng.random() < 0.6) or (state == "published" and rng.random() < 0.004):
                reporter = self.st_user[rng.randrange(len(self.st_user))]
                resolved = state == "suspended"
                reports.append({
                    "id": self._id(OpeningReport), "opening_id": opening_id, "reporter_id": reporter,
                    "reason": rng.choice(tuple(vocab.REPORT_REASONS)),
                    "details": "Me pidieron un pago antes de la entrevista." if rng.random() < 0.5 else None,
                    "resolved_at": self.now - timedelta(days=1) if resolved else None,
                    "resolution": "Oferta suspendida." if resolved else None,
                    "created_at": self._ago(2, 30),
                })
        self._insert(Convenio.__table__, convenios)
        self._insert(OpeningReport.__table__, reports)
        self._stage("Convenios y denuncias", convenios=len(convenios), denuncias=len(reports))

    def _finish(self) -> None:
        if db.engine.dialect.name == "postgresql":
            # Explicit ids leave the serial sequences behind: move them past the new rows.
            for model in self.ids:
                table = model.__tablename__
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {table}), 1))"))
        # The bulk inserts bypassed the session: tell the listing caches of running processes.
        versions.bump(db.session, "openings")
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # Fresh statistics, and the visibility map: without a VACUUM, freshly inserted
            # pages are not known all-visible, so no index-only scan can skip the heap and
            # reads measured 1.5-4x slower than after it. VACUUM runs outside a transaction.
            db.session.remove()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
            self._stage("Estadísticas y mapa de visibilidad (VACUUM ANALYZE)", tablas=len(self.ids))
            return
        # Fresh statistics, so the planner knows the tables' new sizes.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        self._stage("Estadísticas (ANALYZE)", tablas=len(self.ids))


def build_large(scale: float = 1.0, echo: Callable[[str], None] | None = None,
                progress: Callable[[int], None] | None = None) -> tuple[dict[str, int], dict[str, str]]:
    """Create the large set at `scale` (1.0 = DESIGN.md §7; 5 = the whole country over several
    years); return rows per table and one email per role. `progress(rows)` after each batch."""
    builder = LargeBuilder(scale, echo, progress=progress)
    counts = builder.run()
    return counts, builder.samples
