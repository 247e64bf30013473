using Kohaku.Data.Danbooru;

namespace Kohaku.Samples;

// The tags a synthetic post draws from. The "visual" general tags are a contract with the images
// stage, which paints each sample post from them: one background colour, 1-3 shapes, 1-2 theme colours.
public static class SampleVocabulary
{
    public static readonly string[] Backgrounds =
        ["white_background", "black_background", "red_background", "blue_background", "green_background", "yellow_background", "purple_background"];

    public static readonly string[] Shapes = ["circle", "square", "triangle", "star_(symbol)", "stripes", "heart"];

    public static readonly string[] Themes = ["red_theme", "blue_theme", "green_theme", "yellow_theme"];

    // Count tags HakuBooru moves to the front, with rough Danbooru frequencies (weights).
    public static readonly (string Name, int Weight)[] Counts =
        [("1girl", 60), ("2girls", 8), ("multiple_girls", 6), ("1boy", 12), ("2boys", 3), ("multiple_boys", 2), ("male_focus", 4), ("1other", 2), ("6+girls", 1)];

    public static readonly string[] General =
    [
        "solo", "long_hair", "short_hair", "smile", "looking_at_viewer", "open_mouth", "blush", "simple_background",
        "standing", "sitting", "outdoors", "sky", "cloud", "hat", "dress", "school_uniform", "flower", "holding",
        "closed_eyes", "upper_body", "full_body", "cowboy_shot", "bangs", "twintails", "ponytail", "blue_eyes", "red_eyes",
        "brown_hair", "black_hair", "blonde_hair", "white_hair", "pink_hair", "hair_ornament", "bow", "ribbon", "gloves",
        "long_sleeves", "skirt", "thighhighs", "jacket", "shirt", "white_shirt", "animal_ears", "tail", "wings", "weapon",
        "sword", "food", "water", "tree", "night", "day", "from_side", "from_behind", "hand_up", "v", "one_eye_closed",
        ":d", "^_^", "o_o", ">_<", "^_^;", ":3", ";d", "x_x", "=_=", "+_+", "0_0", ":o", "^^^", "!?", "...",
    ];

    public static readonly (string Character, string Copyright)[] Characters =
    [
        ("hatsune_miku", "vocaloid"), ("kagamine_rin", "vocaloid"), ("hatsune_miku_(vocaloid)", "vocaloid"),
        ("hakurei_reimu", "touhou"), ("kirisame_marisa", "touhou"), ("remilia_scarlet", "touhou"), ("flandre_scarlet", "touhou"),
        ("rice_shower_(umamusume)", "umamusume"), ("special_week_(umamusume)", "umamusume"),
        ("artoria_pendragon_(fate)", "fate_(series)"), ("saber_(fate)", "fate/stay_night"),
        ("gawr_gura", "hololive"), ("houshou_marine", "hololive"), ("amiya_(arknights)", "arknights"),
        ("kaga_(kancolle)", "kantai_collection"), ("shimakaze_(kancolle)", "kantai_collection"),
        ("pikachu", "pokemon"), ("link", "the_legend_of_zelda"), ("2b_(nier:automata)", "nier:automata"),
    ];

    public static readonly string[] Meta =
    [
        "highres", "absurdres", "commentary_request", "bad_id", "bad_pixiv_id", "translated", "translation_request",
        "commentary", "english_commentary", "md5_mismatch", "lowres", "revision", "paid_reward_available", "photoshop_(medium)",
    ];

    public static readonly string[] AnimatedMeta = ["animated", "video", "sound"];

    public const int Artists = 400;
    public const int LongTailGeneral = 1_500;

    public static string Artist(int i) => i == 0 ? "banned_artist" : $"artist_{TagListCodec.ToBase36(i * 7919L).ToLowerInvariant()}";

    public static string LongTail(int i) => $"general_tag_{i:D4}";
}
