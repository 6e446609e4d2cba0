"""The signed PDF of a convenio (/convenios/<id>/pdf), for both parties and admins."""
from __future__ import annotations

from flask import Blueprint

from portal.access import role_required
from portal.convenios.views import own_convenio
from portal.uploads import send_stored

bp = Blueprint("convenios", __name__)

@bp.route("/convenios/<int:convenio_id>/pdf")
@role_required("coordinator", "employer", "admin")
def pdf(convenio_id: int):
    """The signed PDF: for the CETPRO's coordinators, the company's members and admins; 404 for anyone else."""
    convenio = own_convenio(convenio_id)
    return send_stored(convenio.pdf_path, f"Convenio-{convenio.id}.pdf")
