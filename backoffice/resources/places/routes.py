"""Buildings, floors and units: where meters are installed."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict, visible_site_ids
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by, load, reference
from backoffice.resources.places import schemas, tree
from shared_models import registry
from shared_models.models import Building, Floor, Site, Unit

blp = Blueprint("places", __name__, description="Buildings, floors and units")


def _collection_views(path, model, schema, query_schema, parent_model, parent_field, save,
                      scope_stmt):
    """The list/create and get/change/delete views of one level of the place hierarchy."""
    noun = path.removesuffix("s")

    class Collection(MethodView):
        @requires("registry.read")
        @blp.arguments(query_schema, location="query")
        @blp.response(200, schema(many=True))
        @blp.paginate(Page)
        @blp.doc(summary=f"List {path}")
        def get(self, args):
            stmt = scope_stmt(filter_by(select(model), model, args)).order_by(model.id)
            return collection(stmt)

        @requires("registry.write")
        @idempotent
        @blp.arguments(schema)
        @blp.response(201, schema)
        @blp.doc(summary=f"Add a {noun}")
        def post(self, data):
            reference(parent_model, data[parent_field], parent_field)
            return save(database.session(), data)

    class Item(MethodView):
        @requires("registry.read")
        @blp.response(200, schema)
        @blp.doc(summary=f"Get a {noun}")
        def get(self, obj_id):
            return load(model, obj_id)

        @requires("registry.write")
        @blp.arguments(schema(partial=True))
        @blp.response(200, schema)
        @blp.doc(summary=f"Change a {noun}")
        def patch(self, data, obj_id):
            obj = load(model, obj_id)
            if parent_field in data:
                reference(parent_model, data[parent_field], parent_field)
            return save(database.session(), data, obj)

        @requires("registry.write")
        @blp.response(204)
        @blp.doc(summary=f"Delete a {noun} that holds nothing")
        def delete(self, obj_id):
            registry.delete(database.session(), load(model, obj_id))

    Collection.__name__ = f"{model.__name__}s"
    Item.__name__ = f"{model.__name__}ById"
    blp.route(f"/{path}")(Collection)
    blp.route(f"/{path}/<int:obj_id>")(Item)


_collection_views(
    "buildings", Building, schemas.BuildingSchema, schemas.BuildingQuerySchema, Site, "site_id",
    registry.save_building, lambda stmt: restrict(stmt, Building.site_id))
_collection_views(
    "floors", Floor, schemas.FloorSchema, schemas.FloorQuerySchema, Building, "building_id",
    registry.save_floor,
    lambda stmt: restrict(stmt.join(Building, Floor.building_id == Building.id), Building.site_id))
_collection_views(
    "units", Unit, schemas.UnitSchema, schemas.UnitQuerySchema, Floor, "floor_id",
    registry.save_unit,
    lambda stmt: restrict(stmt.join(Floor, Unit.floor_id == Floor.id)
                          .join(Building, Floor.building_id == Building.id), Building.site_id))


@blp.route("/places/tree")
class PlaceTree(MethodView):
    @requires("registry.read")
    @blp.response(200, schemas.PlaceNodeSchema(many=True))
    def get(self):
        """Sites, their buildings and floors as one tree, with meter counts."""
        return tree.place_tree(database.session(), visible_site_ids())
