"""Sites, their buildings and floors as one tree with meter counts (the screens' left pane)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.models import Building, Floor, Meter, Site, Unit
from shared_models.scope import within_sites


def place_tree(db: Session, site_ids: Collection[int] | None) -> list[dict]:
    """One node per site, with its buildings and their floors, each with how many meters it
    holds (a site also counts meters not installed in any unit), in three queries."""
    sites = db.scalars(within_sites(select(Site), Site.id, site_ids).order_by(Site.id)).all()
    floors = db.execute(within_sites(
        select(Building.site_id, Building.id, Building.name, Floor.id, Floor.name)
        .outerjoin(Floor, Floor.building_id == Building.id), Building.site_id, site_ids)
        .order_by(Building.site_id, Building.name, Building.id, Floor.id)).all()
    per_floor = dict(db.execute(
        select(Unit.floor_id, func.count(Meter.id)).join(Meter, Meter.unit_id == Unit.id)
        .where(Meter.site_id.in_([site.id for site in sites])).group_by(Unit.floor_id)).all())
    per_site = dict(db.execute(
        select(Meter.site_id, func.count(Meter.id))
        .where(Meter.site_id.in_([site.id for site in sites])).group_by(Meter.site_id)).all())
    nodes = {site.id: {"kind": "site", "id": site.id, "name": site.name, "code": site.code,
                       "meters": per_site.get(site.id, 0), "children": []} for site in sites}
    buildings: dict[int, dict] = {}
    for site_id, building_id, building_name, floor_id, floor_name in floors:
        building = buildings.get(building_id)
        if building is None:
            building = buildings[building_id] = {"kind": "building", "id": building_id,
                                                 "name": building_name, "meters": 0,
                                                 "children": []}
            nodes[site_id]["children"].append(building)
        if floor_id is not None:
            count = per_floor.get(floor_id, 0)
            building["meters"] += count
            building["children"].append({"kind": "floor", "id": floor_id, "name": floor_name,
                                         "meters": count, "children": []})
    return list(nodes.values())
