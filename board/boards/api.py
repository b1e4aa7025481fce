"""`/api/v1/boards`."""

from flask import url_for
from flask_smorest import Blueprint

from board.accounts.permissions import EVERYONE, STAFF, require_roles
from board.boards import services
from board.boards.models import Board
from board.boards.schemas import BoardIn, BoardOut, board_out, board_patch, boards_out
from board.common.http import check_if_match, json_response
from board.common.models import get_or_404
from board.extensions import db

blueprint = Blueprint("boards_api", __name__, url_prefix="/api/v1/boards", description="Boards")


@blueprint.route("", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, BoardOut(many=True))
def list_boards():
    """List every board."""
    return json_response(boards_out.dump(services.list_boards()))


@blueprint.route("", methods=["POST"])
@require_roles(*STAFF)
@blueprint.arguments(BoardIn)
@blueprint.response(201, BoardOut)
def create_board(data):
    """Register a board."""
    board = services.create_board(data)
    db.session.commit()
    location = url_for(".get_board", board_id=board.id)
    return json_response(board_out.dump(board), 201, row=board, location=location)


@blueprint.route("/<int:board_id>", methods=["GET"])
@require_roles(*EVERYONE)
@blueprint.response(200, BoardOut)
def get_board(board_id: int):
    """Show one board."""
    board = get_or_404(Board, board_id)
    return json_response(board_out.dump(board), row=board)


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
    return json_response(board_out.dump(board), row=board)
