"""`/api/v1/boards`."""

from flask import url_for

from board.accounts.permissions import EVERYONE, STAFF, require_roles
from board.boards import services
from board.boards.models import Board
from board.boards.schemas import BoardIn, BoardOut, board_patch
from board.common.http import Blueprint, check_if_match, with_etag
from board.common.models import get_or_404
from board.extensions import db

blueprint = Blueprint("boards_api", __name__, url_prefix="/api/v1/boards", description="Boards")


@blueprint.route("", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, BoardOut(many=True))
def list_boards():
    """List every board."""
    return services.list_boards()


@blueprint.route("", methods=["POST"])
@require_roles(*STAFF)
@blueprint.arguments(BoardIn)
@blueprint.response(201, BoardOut)
def create_board(data):
    """Register a board."""
    board = services.create_board(data)
    db.session.commit()
    return with_etag(board, location=url_for(".get_board", board_id=board.id))


@blueprint.route("/<int:board_id>", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, BoardOut)
def get_board(board_id: int):
    """Show one board."""
    return with_etag(get_or_404(Board, board_id))


@blueprint.route("/<int:board_id>", methods=["PATCH"])
@require_roles(*STAFF)
@blueprint.arguments(board_patch)
@blueprint.response(200, BoardOut)
def update_board(data, board_id: int):
    """Change a board; send the ETag you read as If-Match."""
    board = get_or_404(Board, board_id)
    check_if_match(board)
    services.update_board(board, data)
    db.session.commit()
    return with_etag(board)
