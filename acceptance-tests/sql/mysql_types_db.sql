-- types_db: every MySQL/MariaDB column type source-mysql must map, plus
-- the awkward shapes a database source meets in practice (no primary key,
-- a view, reserved and odd identifiers, many rows on one cursor value).
-- Loaded into an empty database by the acceptance-test fixtures; the
-- database itself is created by the loader (utf8mb4 default charset).

SET NAMES utf8mb4;
SET time_zone = '+00:00';
-- Empty sql_mode: allows zero dates and zero-in-date values, which old
-- production databases still hold.
SET SESSION sql_mode = '';

-- --------------------------------------------------------------------------
-- all_types: one column per type; rows 1..5 are min, max, typical, NULL
-- and zero-date cases.
CREATE TABLE `all_types` (
  `id` INT NOT NULL,
  `label` VARCHAR(32) NOT NULL,
  `tiny_s` TINYINT NULL,
  `tiny_u` TINYINT UNSIGNED NULL,
  `small_s` SMALLINT NULL,
  `small_u` SMALLINT UNSIGNED NULL,
  `medium_s` MEDIUMINT NULL,
  `medium_u` MEDIUMINT UNSIGNED NULL,
  `int_s` INT NULL,
  `int_u` INT UNSIGNED NULL,
  `big_s` BIGINT NULL,
  `big_u` BIGINT UNSIGNED NULL,
  `dec_65_30` DECIMAL(65,30) NULL,
  `dec_10_2` DECIMAL(10,2) NULL,
  `dec_20_0` DECIMAL(20,0) NULL,
  `float_col` FLOAT NULL,
  `double_col` DOUBLE NULL,
  `bit1_col` BIT(1) NULL,
  `bit10_col` BIT(10) NULL,
  `bool_col` TINYINT(1) NULL,
  `char_col` CHAR(10) CHARACTER SET utf8mb4 NULL,
  `varchar_col` VARCHAR(255) CHARACTER SET utf8mb4 NULL,
  `text_col` TEXT CHARACTER SET utf8mb4 NULL,
  `mediumtext_col` MEDIUMTEXT CHARACTER SET utf8mb4 NULL,
  `longtext_col` LONGTEXT CHARACTER SET utf8mb4 NULL,
  `utf8mb3_col` VARCHAR(100) CHARACTER SET utf8mb3 NULL,
  `latin1_col` VARCHAR(100) CHARACTER SET latin1 NULL,
  `binary_col` BINARY(4) NULL,
  `varbinary_col` VARBINARY(16) NULL,
  `tinyblob_col` TINYBLOB NULL,
  `blob_col` BLOB NULL,
  `mediumblob_col` MEDIUMBLOB NULL,
  `longblob_col` LONGBLOB NULL,
  `date_col` DATE NULL,
  `time_col` TIME NULL,
  `time6_col` TIME(6) NULL,
  `datetime_col` DATETIME NULL,
  `datetime6_col` DATETIME(6) NULL,
  `timestamp3_col` TIMESTAMP(3) NULL DEFAULT NULL,
  `year_col` YEAR NULL,
  `enum_col` ENUM('small','medium','large','') NULL,
  `set_col` SET('a','b','c') NULL,
  `json_col` JSON NULL,
  `point_col` POINT NULL,
  `geometry_col` GEOMETRY NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- 1: minimum values
INSERT INTO `all_types` VALUES (
  1, 'min',
  -128, 0, -32768, 0, -8388608, 0, -2147483648, 0,
  -9223372036854775808, 0,
  -99999999999999999999999999999999999.999999999999999999999999999999,
  -99999999.99, -99999999999999999999,
  -3.402823e38, -1.7976931348623157e308,
  b'0', b'0000000000', 0,
  '', '', '', '', '', '', '',
  0x00000000, '', '', '', '', '',
  '1000-01-01', '-838:59:59', '-838:59:59.000000',
  '1000-01-01 00:00:00', '1000-01-01 00:00:00.000000',
  '1970-01-01 00:00:01.000', 1901,
  'small', '', '[]',
  ST_GeomFromText('POINT(-180 -90)'),
  ST_GeomFromText('POINT(0 0)'));

-- 2: maximum values
INSERT INTO `all_types` VALUES (
  2, 'max',
  127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
  9223372036854775807, 18446744073709551615,
  99999999999999999999999999999999999.999999999999999999999999999999,
  99999999.99, 99999999999999999999,
  3.402823e38, 1.7976931348623157e308,
  b'1', b'1111111111', 1,
  'ZZZZZZZZZZ', REPEAT('z', 255), REPEAT('t', 65535),
  REPEAT('m', 70000), REPEAT('l', 100000),
  REPEAT('u', 100), REPEAT('x', 100),
  0xFFFFFFFF, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF, 0xFF, 0xFFFF, 0xFFFFFF,
  0xFFFFFFFF,
  '9999-12-31', '838:59:59', '838:59:59.000000',
  '9999-12-31 23:59:59', '9999-12-31 23:59:59.999999',
  '2038-01-19 03:14:07.999', 2155,
  'large', 'a,b,c', '{"nested":{"deep":[1,2,{"k":"v"}]},"n":1.5e300}',
  ST_GeomFromText('POINT(180 90)'),
  ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))'));

-- 3: typical values, text with emoji, accents, escapes and control bytes
INSERT INTO `all_types` VALUES (
  3, 'typical',
  -5, 200, -1234, 54321, -12345, 123456, -123456789, 3000000000,
  -1234567890123, 12345678901234567890,
  12345.678901234567890123456789012345,
  1234.50, 12345678901234567890,
  3.14, 2.718281828459045,
  b'1', b'1010101010', 0,
  'abc', 'emoji 😀 and 🚀 in utf8mb4',
  CONCAT('line1', CHAR(10), 'line2', CHAR(9), 'tab "quoted" \\ back/slash',
         CHAR(0), CHAR(1), CHAR(31), ' end'),
  'Grüße aus Köln — ½ ∑ 中文', 'long text ❤',
  'naïve café ☃', 'café déjà vu €',
  0x01020304, 0xDEADBEEF, 0x00FF80, 0x48656C6C6F00FF, 0x7F80,
  0xCAFEBABE,
  '2024-02-29', '100:00:00', '-12:34:56.789012',
  '2024-02-29 13:45:30', '2024-02-29 13:45:30.123456',
  '2024-02-29 13:45:30.123', 2024,
  'medium', 'a,c',
  '{"a":1,"b":[true,false,null,"x"],"emoji":"😀","esc":"q\\"uote"}',
  ST_GeomFromText('POINT(1.5 -2.25)'),
  ST_GeomFromText('LINESTRING(0 0,1 1,2 4)'));

-- 4: every nullable column NULL
INSERT INTO `all_types` (`id`, `label`) VALUES (4, 'nulls');

-- 5: zero and partial-zero dates (only possible with a lax sql_mode)
INSERT INTO `all_types` (`id`, `label`, `date_col`, `datetime_col`,
  `datetime6_col`, `timestamp3_col`, `year_col`, `time_col`, `bool_col`,
  `enum_col`, `json_col`)
VALUES (5, 'zero dates', '0000-00-00', '0000-00-00 00:00:00',
  '2024-00-00 00:00:00.000000', '0000-00-00 00:00:00.000', 0,
  '00:00:00', 1, '', 'null');

-- 6: JSON scalars
INSERT INTO `all_types` (`id`, `label`, `json_col`, `bool_col`)
VALUES (6, 'json scalar number', '42', NULL);
INSERT INTO `all_types` (`id`, `label`, `json_col`)
VALUES (7, 'json scalar string', '"just a string"');

-- --------------------------------------------------------------------------
-- no_pk_table: no primary key and no unique key; duplicate rows exist.
CREATE TABLE `no_pk_table` (
  `name` VARCHAR(50) NULL,
  `qty` INT NULL,
  `updated_at` DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO `no_pk_table` VALUES
  ('apple', 1, '2024-01-01 00:00:00.000000'),
  ('apple', 1, '2024-01-01 00:00:00.000000'),
  ('pear', 2, '2024-01-02 10:00:00.000000'),
  ('plum', NULL, '2024-01-03 10:00:00.500000'),
  (NULL, 4, '2024-01-04 23:59:59.999999');

-- --------------------------------------------------------------------------
-- A view over all_types: discovered as a stream, readable with SELECT.
CREATE SQL SECURITY INVOKER VIEW `all_types_view` AS
  SELECT `id`, `label`, `int_s`, `varchar_col`, `datetime6_col`
  FROM `all_types`;

-- --------------------------------------------------------------------------
-- Reserved word + mixed case table name, odd column names (backquote,
-- space, dot, reserved words, non-ASCII).
CREATE TABLE `Order` (
  `id` INT NOT NULL,
  `Select` VARCHAR(20) NULL,
  `we``ird` VARCHAR(20) NULL,
  `space col` INT NULL,
  `dot.col` INT NULL,
  `MixedCase` INT NULL,
  `größe` VARCHAR(20) NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO `Order` VALUES
  (1, 'from', 'back`tick', 10, 100, 1000, 'klein'),
  (2, 'where', 'a``b', 20, 200, 2000, 'groß'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL);

-- --------------------------------------------------------------------------
-- same_cursor: 2500 rows share one updated_at value, then 100 rows with
-- distinct later values. A connector that checkpoints inside the group
-- must resume by primary key without losing or repeating rows.
CREATE TABLE `same_cursor` (
  `id` INT NOT NULL,
  `updated_at` DATETIME(6) NOT NULL,
  `payload` VARCHAR(40) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_same_cursor_updated_at` (`updated_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO `same_cursor`
  SELECT seq, '2024-06-01 12:00:00.000000', CONCAT('tied-', seq)
  FROM seq_1_to_2500;
INSERT INTO `same_cursor`
  SELECT 2500 + seq,
         TIMESTAMPADD(SECOND, seq, '2024-06-02 00:00:00.000000'),
         CONCAT('later-', seq)
  FROM seq_1_to_100;

-- --------------------------------------------------------------------------
-- int_cursor: BIGINT cursor column with gaps and a composite primary key.
CREATE TABLE `int_cursor` (
  `tenant` VARCHAR(10) NOT NULL,
  `id` BIGINT NOT NULL,
  `seq` BIGINT NOT NULL,
  `note` VARCHAR(40) NULL,
  PRIMARY KEY (`tenant`, `id`),
  KEY `idx_int_cursor_seq` (`seq`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO `int_cursor`
  SELECT IF(seq % 2 = 0, 'even', 'odd'), seq, seq * 10 + (seq % 3),
         CONCAT('n', seq)
  FROM seq_1_to_1500;
